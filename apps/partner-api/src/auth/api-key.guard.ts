import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { ApiError, sha256Hex } from '@app/common';
import { AuthenticatedPartner, PartnerRequest } from './authenticated-partner';

const CHALLENGE = 'Bearer';

interface KeyRow {
  key_id: string;
  partner_id: string;
  instance_quota: number;
  max_seats: number;
}

const MAX_CACHED_KEYS = 10_000;

/**
 * `Authorization: Bearer <api key>`: the key's SHA-256 must match a key that is not revoked.
 * Verified keys are remembered for API_KEY_CACHE_TTL_MS (default 2 s), which saves a database
 * round trip per request; a revocation therefore takes effect within that time.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { partner: AuthenticatedPartner; expiresAt: number }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: PlatformConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PartnerRequest>();
    const header = request.headers.authorization;
    if (!header) throw new ApiError(401, 'Not authenticated', { 'WWW-Authenticate': CHALLENGE });
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new ApiError(401, 'Invalid authorization header: expected "Bearer <api key>"', {
        'WWW-Authenticate': `${CHALLENGE} error="invalid_request"`,
      });
    }
    request.partner = await this.lookup(match[1]);
    return true;
  }

  private async lookup(apiKey: string): Promise<AuthenticatedPartner> {
    const hash = sha256Hex(apiKey);
    const cached = this.cache.get(hash);
    if (cached && cached.expiresAt > Date.now()) return cached.partner;
    const partner = await this.verify(hash);
    if (this.config.API_KEY_CACHE_TTL_MS > 0) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      this.cache.set(hash, { partner, expiresAt: Date.now() + this.config.API_KEY_CACHE_TTL_MS });
    }
    return partner;
  }

  private async verify(keySha256: string): Promise<AuthenticatedPartner> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT k.id AS key_id, p.id AS partner_id, p.instance_quota, p.max_seats
         FROM api_keys k JOIN partners p ON p.id = k.partner_id
        WHERE k.key_sha256 = $1 AND k.revoked_at IS NULL`,
      [keySha256],
    );
    const row = rows[0];
    if (!row) {
      throw new ApiError(401, 'Invalid or revoked API key', {
        'WWW-Authenticate': `${CHALLENGE} error="invalid_token"`,
      });
    }
    return {
      id: row.partner_id,
      instanceQuota: row.instance_quota,
      maxSeats: row.max_seats,
      apiKeyId: row.key_id,
    };
  }
}
