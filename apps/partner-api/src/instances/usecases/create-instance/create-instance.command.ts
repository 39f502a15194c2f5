import { ApiValidationError } from '@app/common';
import { AuthenticatedPartner } from '../../../auth/authenticated-partner';
import { CreateInstanceDto } from '../../dtos/create-instance.dto';

export const DEFAULT_SEATS = 5;

function assertExactlyOneCredential(dto: CreateInstanceDto): void {
  const hasChannel = dto.channel_id !== undefined && dto.channel_id !== null;
  const hasKey = dto.d360_api_key !== undefined && dto.d360_api_key !== null;
  if (hasChannel === hasKey) {
    throw ApiValidationError.single(
      ['body'],
      hasChannel
        ? 'Provide either channel_id or d360_api_key, not both'
        : 'Field required: provide channel_id or d360_api_key',
      hasChannel ? 'value_error' : 'missing',
    );
  }
}

/** Seed 001's default of 5, bounded by the partner's limit. */
function seatsFor(partner: AuthenticatedPartner, dto: CreateInstanceDto): number {
  const seats = dto.max_number_of_seats ?? Math.min(DEFAULT_SEATS, partner.maxSeats);
  if (seats > partner.maxSeats) {
    throw ApiValidationError.single(
      ['body', 'max_number_of_seats'],
      `Input should be less than or equal to ${partner.maxSeats} (your partner limit)`,
      'less_than_equal',
    );
  }
  return seats;
}

/** A validated request to create an instance, with seed 001's defaults applied. */
export class CreateInstanceCommand {
  private constructor(
    readonly partner: AuthenticatedPartner,
    readonly channelId: string | null,
    readonly d360ApiKey: string | null,
    readonly subdomain: string | null,
    readonly adminEmail: string | null,
    readonly adminUsername: string,
    readonly generateActivation: boolean,
    readonly maxNumberOfSeats: number,
    readonly configurator: {
      userName: string;
      webhookUrl: string;
      webhookHeaders: Record<string, string>;
    } | null,
    readonly idempotencyKey: string | null,
  ) {}

  /** Applies the rules that span fields; throws the 422 a partner would need to fix the request. */
  static from(
    partner: AuthenticatedPartner,
    dto: CreateInstanceDto,
    idempotencyKey: string | null,
  ): CreateInstanceCommand {
    assertExactlyOneCredential(dto);
    const seats = seatsFor(partner, dto);
    const adminEmail = dto.admin_email ?? null;
    const adminUsername = adminEmail ?? 'admin';
    if (dto.configurator && dto.configurator.user_name.toLowerCase() === adminUsername.toLowerCase()) {
      throw ApiValidationError.single(
        ['body', 'configurator', 'user_name'],
        `user_name must differ from the admin user name "${adminUsername}"`,
      );
    }
    return new CreateInstanceCommand(
      partner,
      dto.channel_id ?? null,
      dto.d360_api_key ?? null,
      dto.subdomain ? dto.subdomain : null,
      adminEmail,
      adminUsername,
      dto.generate_activation ?? false,
      seats,
      dto.configurator
        ? {
            userName: dto.configurator.user_name,
            webhookUrl: dto.configurator.webhook_url,
            webhookHeaders: dto.configurator.webhook_headers ?? {},
          }
        : null,
      idempotencyKey,
    );
  }
}
