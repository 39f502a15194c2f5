/**
 * Partner administration used by the CLI (and later by an admin API): partners, their limits,
 * their API keys. API keys are shown once and stored only as SHA-256 hashes.
 */
import { DataSource, IsNull } from 'typeorm';
import { SecretBox, randomUrlSafe, sha256Hex } from '@app/common';
import { ApiKey } from '../entities/api-key.entity';
import { Partner } from '../entities/partner.entity';

export const PARTNER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const API_KEY_PREFIX_LENGTH = 12;

export class PartnerAdminError extends Error {}

export interface PartnerLimits {
  instanceQuota?: number;
  maxSeats?: number;
  eventUrl?: string | null;
}

export interface IssuedKey {
  partner_id: string;
  api_key: string;
  key_id: string;
  prefix: string;
}

/** `pp_` + 43 URL-safe characters (256 bits); the first 12 characters identify the key in listings. */
export const newApiKey = (): string => `pp_${randomUrlSafe(32)}`;

/** Standard Webhooks secret format: `whsec_` + base64 of 32 random bytes. */
export const newSigningSecret = (): string =>
  `whsec_${Buffer.from(randomUrlSafe(32), 'base64url').toString('base64')}`;

export class PartnerAdminService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
    private readonly defaults: { instanceQuota: number; maxSeats: number },
  ) {}

  async createPartner(partnerId: string, limits: PartnerLimits = {}) {
    if (!PARTNER_ID_PATTERN.test(partnerId)) {
      throw new PartnerAdminError(`partner id must match ${PARTNER_ID_PATTERN.source} (got "${partnerId}")`);
    }
    validateLimits(limits);
    const signingSecret = newSigningSecret();
    return this.dataSource.transaction(async (manager) => {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(Partner)
        .values({
          id: partnerId,
          instanceQuota: limits.instanceQuota ?? this.defaults.instanceQuota,
          maxSeats: limits.maxSeats ?? this.defaults.maxSeats,
          signingSecretEnc: this.secrets.encrypt(signingSecret),
          eventUrl: limits.eventUrl ?? null,
        })
        .orIgnore()
        .execute();
      if (!(inserted.raw as unknown[]).length) {
        throw new PartnerAdminError(
          `partner "${partnerId}" already exists; use key:issue to get another key`,
        );
      }
      const key = await this.insertKey(manager.getRepository(ApiKey), partnerId);
      return {
        partner_id: partnerId,
        api_key: key.api_key,
        key_id: key.key_id,
        signing_secret: signingSecret,
      };
    });
  }

  async updatePartner(partnerId: string, limits: PartnerLimits): Promise<Partner> {
    validateLimits(limits);
    const partner = await this.requirePartner(partnerId);
    if (limits.instanceQuota !== undefined) partner.instanceQuota = limits.instanceQuota;
    if (limits.maxSeats !== undefined) partner.maxSeats = limits.maxSeats;
    if (limits.eventUrl !== undefined) partner.eventUrl = limits.eventUrl;
    return this.dataSource.getRepository(Partner).save(partner);
  }

  async issueKey(partnerId: string): Promise<IssuedKey> {
    await this.requirePartner(partnerId);
    return this.insertKey(this.dataSource.getRepository(ApiKey), partnerId);
  }

  /** Revokes by key id, by prefix, or by the full key. Idempotent for an already revoked key. */
  async revokeKey(
    reference: string,
  ): Promise<{ key_id: string; partner_id: string; prefix: string; revoked_at: Date }> {
    const repo = this.dataSource.getRepository(ApiKey);
    const isUuid = /^[0-9a-f-]{36}$/.test(reference);
    const matches = await repo.find({
      where: isUuid
        ? { id: reference }
        : reference.length > API_KEY_PREFIX_LENGTH
          ? { keySha256: sha256Hex(reference) }
          : { prefix: reference },
    });
    if (matches.length === 0)
      throw new PartnerAdminError(`no API key matches "${reference.slice(0, API_KEY_PREFIX_LENGTH)}"`);
    if (matches.length > 1)
      throw new PartnerAdminError(`"${reference}" matches ${matches.length} keys; use the key id`);
    const key = matches[0];
    if (!key.revokedAt) {
      key.revokedAt = new Date();
      await repo.update({ id: key.id, revokedAt: IsNull() }, { revokedAt: key.revokedAt });
    }
    return { key_id: key.id, partner_id: key.partnerId, prefix: key.prefix, revoked_at: key.revokedAt };
  }

  async listPartners() {
    const partners = await this.dataSource.getRepository(Partner).find({ order: { createdAt: 'ASC' } });
    const keys = await this.dataSource.getRepository(ApiKey).find({ order: { createdAt: 'ASC' } });
    return partners.map((p) => ({
      partner_id: p.id,
      instance_quota: p.instanceQuota,
      max_seats: p.maxSeats,
      live_instances: p.liveInstances,
      event_url: p.eventUrl,
      created_at: p.createdAt,
      api_keys: keys
        .filter((k) => k.partnerId === p.id)
        .map((k) => ({ key_id: k.id, prefix: k.prefix, created_at: k.createdAt, revoked_at: k.revokedAt })),
    }));
  }

  private async requirePartner(partnerId: string): Promise<Partner> {
    const partner = await this.dataSource.getRepository(Partner).findOneBy({ id: partnerId });
    if (!partner) throw new PartnerAdminError(`partner "${partnerId}" does not exist`);
    return partner;
  }

  private async insertKey(
    repo: ReturnType<DataSource['getRepository']>,
    partnerId: string,
  ): Promise<IssuedKey> {
    const apiKey = newApiKey();
    const prefix = apiKey.slice(0, API_KEY_PREFIX_LENGTH);
    const saved = (await repo.save({ partnerId, prefix, keySha256: sha256Hex(apiKey) })) as ApiKey;
    return { partner_id: partnerId, api_key: apiKey, key_id: saved.id, prefix };
  }
}

function validateLimits(limits: PartnerLimits): void {
  if (
    limits.instanceQuota !== undefined &&
    !(Number.isInteger(limits.instanceQuota) && limits.instanceQuota >= 0)
  ) {
    throw new PartnerAdminError('instance quota must be a whole number ≥ 0');
  }
  if (limits.maxSeats !== undefined && !(Number.isInteger(limits.maxSeats) && limits.maxSeats >= 1)) {
    throw new PartnerAdminError('max seats must be a whole number ≥ 1');
  }
  if (limits.eventUrl && !/^https?:\/\/\S+$/.test(limits.eventUrl)) {
    throw new PartnerAdminError('event URL must be an http(s) URL');
  }
}
