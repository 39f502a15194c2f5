/**
 * The deliveries that follow `ready` (and the partner events), one method per job. Each is
 * idempotent: it first checks whether there is still something to deliver (the token, the
 * activation code and the event all live on the instance row), so a re-run after success is a
 * no-op. A method throws TransientStepError to be retried on the delivery schedule, returns when
 * done, and records every attempt as an instance event (status, latency; never a secret).
 */
import { Logger } from '@nestjs/common';
import type { Transporter } from 'nodemailer';
import { SecretBox, crashPoint } from '@app/common';
import { Instance, InstanceStatus, instanceUrls } from '@app/domain';
import { InstanceLifecycle } from '@app/instances';
import { TransientStepError } from '@app/common';
import { PartnerEventType } from '@app/queue';
import { composeActivationMail } from './activation-mail';
import { AddressGuard } from './address-guard';
import { PostOutcome, postSigned } from './signed-post';

export interface DeliverySettings {
  BASE_DOMAIN: string;
  PUBLIC_SCHEME: 'http' | 'https';
  WEBHOOK_TIMEOUT_MS: number;
  MAIL_FROM: string;
}

export interface Attempt {
  number: number;
  of: number;
}

const describe = (o: PostOutcome) =>
  o.kind === 'answered' ? `HTTP ${o.status}` : `${o.kind === 'blocked' ? 'refused' : 'failed'}: ${o.reason}`;

/** Stable per message, so a receiver can drop a retry of something it already has. */
export const tokenMessageId = (instanceId: string) => `msg_${instanceId}_configurator_token`;
export const eventMessageId = (instanceId: string, type: PartnerEventType, occurrence?: number) =>
  `msg_${instanceId}_${type.replace('.', '_')}${occurrence === undefined ? '' : `_${occurrence}`}`;

const ANNOUNCED_STATUS: Record<PartnerEventType, InstanceStatus> = {
  'instance.ready': 'ready',
  'instance.failed': 'failed',
  'instance.deleted': 'deleted',
  'instance.unhealthy': 'ready',
  'instance.recovered': 'ready',
};

/** What a health event announces, whatever happened since it was queued. */
const ANNOUNCED_HEALTH: Partial<Record<PartnerEventType, 'healthy' | 'unhealthy'>> = {
  'instance.unhealthy': 'unhealthy',
  'instance.recovered': 'healthy',
};

export class Deliveries {
  private readonly logger = new Logger('Delivery');

  constructor(
    private readonly store: InstanceLifecycle,
    private readonly secrets: SecretBox,
    private readonly guard: AddressGuard,
    private readonly mail: Transporter,
    private readonly settings: DeliverySettings,
  ) {}

  async configuratorWebhook(instanceId: string, attempt: Attempt): Promise<void> {
    const instance = await this.store.find(instanceId);
    if (!instance?.configuratorTokenEnc || !instance.configuratorWebhookUrl || instance.status !== 'ready')
      return;
    const partner = await this.store.partner(instance.partnerId);
    const outcome = await postSigned(
      {
        url: instance.configuratorWebhookUrl,
        messageId: tokenMessageId(instanceId),
        body: JSON.stringify({ token: this.secrets.decrypt(instance.configuratorTokenEnc) }),
        signingSecret: this.secrets.decrypt(partner.signingSecretEnc),
        headers: instance.configuratorWebhookHeadersEnc
          ? (JSON.parse(this.secrets.decrypt(instance.configuratorWebhookHeadersEnc)) as Record<
              string,
              string
            >)
          : {},
        timeoutMs: this.settings.WEBHOOK_TIMEOUT_MS,
      },
      this.guard,
    );
    await this.recordAttempt(instanceId, 'webhook', outcome, attempt);
    if (isSuccess(outcome)) {
      crashPoint('delivery.webhook');
      await this.store.progress(instanceId, ['ready'], {
        checkpoint: { webhook: 'delivered' },
        columns: { configurator_token_enc: null }, // delivered: the plaintext goes
        event: { type: 'webhook.delivered', message: 'Configurator token delivered' },
      });
      return;
    }
    await this.failOrRetry(instanceId, 'webhook', outcome, attempt);
  }

  async partnerEvent(
    instanceId: string,
    type: PartnerEventType,
    attempt: Attempt,
    occurrence?: number,
  ): Promise<void> {
    const instance = await this.store.find(instanceId);
    if (!instance) return;
    const partner = await this.store.partner(instance.partnerId);
    if (!partner.eventUrl) return; // the partner stopped listening
    const outcome = await postSigned(
      {
        url: partner.eventUrl,
        messageId: eventMessageId(instanceId, type, occurrence),
        body: JSON.stringify({
          type,
          timestamp: new Date().toISOString(),
          data: this.eventData(instance, type),
        }),
        signingSecret: this.secrets.decrypt(partner.signingSecretEnc),
        timeoutMs: this.settings.WEBHOOK_TIMEOUT_MS,
      },
      this.guard,
    );
    await this.recordAttempt(instanceId, `event.${type}`, outcome, attempt);
    if (!isSuccess(outcome)) await this.failOrRetry(instanceId, `event.${type}`, outcome, attempt);
  }

  async activationEmail(instanceId: string, attempt: Attempt): Promise<void> {
    const instance = await this.store.find(instanceId);
    if (!instance?.activationCodeEnc || !instance.adminEmail || instance.status !== 'ready') return;
    const urls = instanceUrls(this.settings, instance.subdomain);
    const started = Date.now();
    try {
      const info = (await this.mail.sendMail(
        composeActivationMail({
          instanceId,
          to: instance.adminEmail,
          from: this.settings.MAIL_FROM,
          activationUrl: urls.activationUrl(this.secrets.decrypt(instance.activationCodeEnc)),
          inboxUrl: urls.publicUrl,
        }),
      )) as { response?: string; messageId?: string };
      crashPoint('delivery.email');
      await this.store.progress(instanceId, ['ready'], {
        checkpoint: { email: 'sent' },
        columns: { activation_code_enc: null }, // sent: the plaintext goes
        event: {
          type: 'email.sent',
          message: `Activation e-mail accepted by the mail server`,
          data: { attempt: attempt.number, latency_ms: Date.now() - started, message_id: info.messageId },
        },
      });
    } catch (error) {
      const reason = (error as Error).message.slice(0, 300);
      await this.store.event(
        instanceId,
        'email.attempt',
        `Activation e-mail attempt ${attempt.number} failed: ${reason}`,
        {
          attempt: attempt.number,
          latency_ms: Date.now() - started,
        },
      );
      await this.retryOrGiveUp(instanceId, 'email', reason, attempt);
    }
  }

  /**
   * The event's data. `status` is the one the event announces, also when the instance has moved on
   * before the delivery (a DELETE right after `ready`); `current_status` says where it is now.
   */
  private eventData(instance: Instance, type: PartnerEventType) {
    const urls = instanceUrls(this.settings, instance.subdomain);
    const announced = ANNOUNCED_STATUS[type];
    return {
      instance_id: instance.id,
      subdomain: instance.subdomain,
      status: announced,
      status_detail: instance.status === announced ? instance.statusDetail : null,
      current_status: instance.status,
      base_domain: urls.baseDomain,
      health_check: urls.healthCheck,
      ...(ANNOUNCED_HEALTH[type]
        ? {
            health: ANNOUNCED_HEALTH[type],
            current_health: instance.unhealthySince ? 'unhealthy' : 'healthy',
            unhealthy_since: instance.unhealthySince?.toISOString() ?? null,
          }
        : {}),
    };
  }

  private async recordAttempt(instanceId: string, what: string, outcome: PostOutcome, attempt: Attempt) {
    const data: Record<string, unknown> = { attempt: attempt.number, latency_ms: outcome.latencyMs };
    if (outcome.kind === 'answered') data.status_code = outcome.status;
    else data.error = outcome.reason;
    this.logger.log({ instanceId, what, ...data }, `${what} attempt ${attempt.number}: ${describe(outcome)}`);
    await this.store.event(
      instanceId,
      `${what}.attempt`,
      `Attempt ${attempt.number} of ${attempt.of}: ${describe(outcome)}`,
      data,
    );
  }

  /** 410 Gone and refused addresses stop at once; anything else is retried until the last attempt. */
  private async failOrRetry(instanceId: string, what: string, outcome: PostOutcome, attempt: Attempt) {
    if (outcome.kind === 'answered' && outcome.status === 410) {
      return this.giveUp(instanceId, what, 'the receiver answered 410 Gone');
    }
    if (outcome.kind === 'blocked') return this.giveUp(instanceId, what, outcome.reason);
    return this.retryOrGiveUp(instanceId, what, describe(outcome), attempt);
  }

  /** Another attempt on the schedule (by throwing), or the last one was: give up. */
  private async retryOrGiveUp(
    instanceId: string,
    what: string,
    last: string,
    attempt: Attempt,
  ): Promise<void> {
    if (attempt.number >= attempt.of) {
      return this.giveUp(instanceId, what, `after ${attempt.of} attempts; last: ${last}`);
    }
    throw new TransientStepError(`${what} not delivered: ${last}`);
  }

  private async giveUp(instanceId: string, what: string, reason: string): Promise<void> {
    this.logger.warn({ instanceId, what }, `${what}: giving up, ${reason}`);
    await this.store.progress(instanceId, ['ready', 'failed', 'deleting', 'deleted'], {
      checkpoint: what === 'webhook' || what === 'email' ? { [what]: 'gave_up' } : {},
      event: { type: `${what}.gave_up`, message: `Gave up: ${reason}` },
    });
  }
}

/** Only 2xx counts; 3xx is not followed and is not success. */
const isSuccess = (o: PostOutcome) => o.kind === 'answered' && o.status >= 200 && o.status < 300;
