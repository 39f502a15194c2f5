import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { ApiError, ApiValidationError, SecretBox, newInstanceId, randomHex, sha256Hex } from '@app/common';
import { Instance, instanceUrls } from '@app/domain';
import { InstanceLifecycle } from '@app/instances';
import { InstanceCreatedResponse } from '../../dtos/instance.response';
import { presentInstance } from '../../instance.presenter';
import { CreateInstanceCommand } from './create-instance.command';

class QuotaExceeded extends Error {}

/** `websockets-{subdomain}.{BASE_DOMAIN}` is every instance's websocket host (seed 002). */
export const RESERVED_SUBDOMAIN_PREFIX = 'websockets-';

/**
 * Makes the instance's secrets and answer, then has the lifecycle accept it (instance, first event,
 * provisioning job and idempotent answer in one statement). Does no slow work: the worker does.
 */
@Injectable()
export class CreateInstanceUseCase {
  constructor(
    private readonly lifecycle: InstanceLifecycle,
    private readonly secrets: SecretBox,
    private readonly config: PlatformConfig,
  ) {}

  async execute(command: CreateInstanceCommand): Promise<InstanceCreatedResponse> {
    const id = newInstanceId();
    const subdomain = command.subdomain ?? id;
    if (subdomain.startsWith(RESERVED_SUBDOMAIN_PREFIX)) {
      throw ApiValidationError.single(
        ['subdomain'],
        `subdomain is reserved: ${subdomain} (names starting with ${RESERVED_SUBDOMAIN_PREFIX} carry each instance's websocket)`,
        'string',
      );
    }
    // Secrets are made here, so exactly one value exists whatever the worker retries.
    const configuratorToken = command.configurator ? randomHex(20) : null;
    const activationCode = command.generateActivation || command.adminEmail ? randomUUID() : null;
    const instance = this.buildInstance(command, id, subdomain, configuratorToken, activationCode);
    instance.createdAt = new Date();
    const body: InstanceCreatedResponse = presentInstance(this.config, instance);
    if (activationCode && command.generateActivation) {
      body.activation_url = instanceUrls(this.config, subdomain).activationUrl(activationCode);
    }
    const answer = command.idempotencyKey
      ? { key: command.idempotencyKey, bodyEnc: this.secrets.encrypt(JSON.stringify(body)) }
      : null;
    try {
      if (!(await this.lifecycle.accept(instance, answer))) throw new QuotaExceeded();
    } catch (error) {
      throw this.translate(error, command, subdomain);
    }
    return body;
  }

  private buildInstance(
    command: CreateInstanceCommand,
    id: string,
    subdomain: string,
    configuratorToken: string | null,
    activationCode: string | null,
  ): Instance {
    const encrypt = (value: string | null) => (value === null ? null : this.secrets.encrypt(value));
    const headers = command.configurator?.webhookHeaders;
    return Object.assign(new Instance(), {
      id,
      partnerId: command.partner.id,
      subdomain,
      channelId: command.channelId,
      status: 'accepted',
      statusDetail: 'Waiting for a worker',
      adminEmail: command.adminEmail,
      adminUsername: command.adminUsername,
      generateActivation: command.generateActivation,
      maxNumberOfSeats: command.maxNumberOfSeats,
      configuratorUserName: command.configurator?.userName ?? null,
      configuratorWebhookUrl: command.configurator?.webhookUrl ?? null,
      configuratorWebhookHeadersEnc:
        headers && Object.keys(headers).length > 0 ? encrypt(JSON.stringify(headers)) : null,
      wabaApiKeyEnc: encrypt(command.d360ApiKey),
      configuratorTokenEnc: encrypt(configuratorToken),
      configuratorTokenSha256: configuratorToken && sha256Hex(configuratorToken),
      activationCodeEnc: encrypt(activationCode),
      activationCodeSha256: activationCode && sha256Hex(activationCode),
      checkpoint: {},
    } satisfies Partial<Instance>);
  }

  private translate(error: unknown, command: CreateInstanceCommand, subdomain: string): unknown {
    if (error instanceof QuotaExceeded) {
      return new ApiError(
        403,
        `Instance quota exceeded: partner ${command.partner.id} may have at most ${command.partner.instanceQuota} live instances; delete one or ask for a higher quota`,
      );
    }
    const constraint =
      error instanceof QueryFailedError
        ? (error.driverError as { constraint?: string }).constraint
        : undefined;
    if (constraint === 'instances_live_subdomain_uq') {
      return ApiValidationError.single(['subdomain'], `subdomain already in use: ${subdomain}`, 'string');
    }
    if (constraint === 'instances_live_channel_uq') {
      return ApiValidationError.single(
        ['channel_id'],
        `channel already has a live instance: ${command.channelId}`,
        'string',
      );
    }
    return error;
  }
}
