import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { Dialog360Client } from './waba-client';

export type RegistrationState = { ok: true; message: string } | { ok: false; message: string };

/**
 * Registers the instance's webhook URL with its provider once the tenant is bound, and keeps
 * trying (1 s doubling to 5 min) while the provider is unreachable. The health check reports it
 * without failing health: an instance whose provider is down still serves its inbox.
 */
@Injectable()
export class WebhookRegistration implements OnApplicationShutdown {
  private readonly logger = new Logger('WebhookRegistration');
  private timer?: NodeJS.Timeout;
  private stopped = false;
  state: RegistrationState = { ok: false, message: 'not registered yet' };

  constructor(
    private readonly config: BootstrapEnv,
    private readonly client: Dialog360Client,
  ) {}

  /** The URL providers post to; the secret is the only credential, so it is never logged. */
  webhookUrl(): string {
    return `${this.config.PUBLIC_URL}/waba/webhook/${this.config.WABA_WEBHOOK_SECRET}/`;
  }

  start(delayMs = 0): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.attempt(Math.max(delayMs, 500)), delayMs);
    this.timer.unref();
  }

  private async attempt(previousDelay: number): Promise<void> {
    try {
      await this.client.registerWebhook(this.webhookUrl());
      this.state = { ok: true, message: `webhook registered at ${this.config.WABA_API_URL}` };
      this.logger.log(`webhook registered with the provider at ${this.config.WABA_API_URL}`);
    } catch (error) {
      this.state = { ok: false, message: `cannot register the webhook: ${(error as Error).message}` };
      const next = Math.min(previousDelay * 2, 300_000);
      this.logger.warn(`${this.state.message}; next try in ${Math.round(next / 1000)} s`);
      this.start(next);
    }
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
