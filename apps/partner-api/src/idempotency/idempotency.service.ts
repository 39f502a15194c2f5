/**
 * `Idempotency-Key` with Stripe's semantics (docs/idempotency.md): the first answer to a key is
 * stored with the work it describes, in the same statement (see accept-instance.sql.ts), and
 * replayed for 24 hours.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ApiError, ApiValidationError, SecretBox } from '@app/common';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const RETENTION_HOURS = 24;
/** An in-progress record older than this belongs to a request whose process died: take it over. */
const ABANDONED_AFTER_SECONDS = 60;

export type IdempotencyStart =
  { kind: 'new'; key: string } | { kind: 'replay'; status: number; body: unknown };

interface RecordRow {
  request_sha256: string;
  state: 'in_progress' | 'completed';
  response_status: number | null;
  response_body_enc: string | null;
  expired: boolean;
  abandoned: boolean;
}

@Injectable()
export class IdempotencyService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
  ) {}

  static validateKey(key: string): void {
    if (!KEY_PATTERN.test(key)) {
      throw ApiValidationError.single(
        ['header', IDEMPOTENCY_HEADER],
        'Idempotency-Key should be 1 to 255 visible ASCII characters',
        'string_pattern_mismatch',
      );
    }
  }

  /** Claims the key for this request, or says what to answer instead (replay, 409 or 422). */
  async begin(partnerId: string, key: string, fingerprint: string): Promise<IdempotencyStart> {
    IdempotencyService.validateKey(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.dataSource.query<unknown[]>(
        `INSERT INTO idempotency_records (partner_id, key, request_sha256, state)
         VALUES ($1, $2, $3, 'in_progress') ON CONFLICT DO NOTHING RETURNING key`,
        [partnerId, key, fingerprint],
      );
      if (inserted.length > 0) return { kind: 'new', key };
      const [row] = await this.dataSource.query<RecordRow[]>(
        `SELECT request_sha256, state, response_status, response_body_enc,
                created_at < now() - make_interval(hours => $3) AS expired,
                created_at < now() - make_interval(secs => $4) AS abandoned
           FROM idempotency_records WHERE partner_id = $1 AND key = $2`,
        [partnerId, key, RETENTION_HOURS, ABANDONED_AFTER_SECONDS],
      );
      if (!row) continue; // deleted between our statements: try to claim it again
      if (row.expired || (row.state === 'in_progress' && row.abandoned)) {
        await this.dataSource.query(
          `DELETE FROM idempotency_records WHERE partner_id = $1 AND key = $2 AND state = $3 AND request_sha256 = $4`,
          [partnerId, key, row.state, row.request_sha256],
        );
        continue;
      }
      return this.answerForExisting(row, fingerprint);
    }
    throw new ApiError(409, 'This Idempotency-Key is contended by concurrent requests; retry later', {
      'Retry-After': '1',
    });
  }

  /** The request failed: free the key so the partner can retry with it. */
  async abandon(partnerId: string, key: string): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_records WHERE partner_id = $1 AND key = $2 AND state = 'in_progress'`,
      [partnerId, key],
    );
  }

  /** Deletes records past their 24 hours; returns how many. */
  async purgeExpired(): Promise<number> {
    const result = await this.dataSource.query<[unknown[], number]>(
      `DELETE FROM idempotency_records WHERE created_at < now() - make_interval(hours => $1)`,
      [RETENTION_HOURS],
    );
    return result[1];
  }

  private answerForExisting(row: RecordRow, fingerprint: string): IdempotencyStart {
    if (row.request_sha256 !== fingerprint) {
      throw ApiValidationError.single(
        ['header', IDEMPOTENCY_HEADER],
        'This Idempotency-Key was already used with a different request; use a new key for a new request',
        'idempotency_key_reused',
      );
    }
    if (row.state === 'in_progress' || row.response_body_enc === null || row.response_status === null) {
      throw new ApiError(409, 'A request with this Idempotency-Key is still in progress; retry later', {
        'Retry-After': '1',
      });
    }
    return {
      kind: 'replay',
      status: row.response_status,
      body: JSON.parse(this.secrets.decrypt(row.response_body_enc)),
    };
  }
}
