/**
 * The waba_webhooks feature's SQL. Headers and the signing secret are encrypted with the instance's
 * key (they may hold a receiver's credentials, and the relay needs them in clear to call it).
 */
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../identity/token-cipher';
import { InboxDb } from '../persistence/inbox-db';
import type { WebhookEvent } from './webhook-input';

export interface WabaWebhook {
  id: number;
  userId: number;
  username: string;
  url: string;
  headers: Record<string, string>;
  events: WebhookEvent[];
  secret: string;
  createdAt: Date;
  updatedAt: Date;
}

/** How a webhook's deliveries stand: what is waiting, whether a chat waits for a retry, and why. */
export interface DeliveryState {
  pending: number;
  given_up: number;
  retry_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_delivered_at: string | null;
}

interface WebhookRow {
  id: number;
  user_id: number;
  username: string;
  url: string;
  headers_enc: string;
  events: WebhookEvent[];
  secret_enc: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, user_id, url, headers_enc, events, secret_enc, created_at, updated_at';
/** Each webhook with its user's name (seed 002 shows `user: {id, username, url}`). */
const WITH_USER = `SELECT w.*, u.username FROM waba_webhooks w JOIN users u ON u.id = w.user_id`;

/** A Standard Webhooks signing secret: `whsec_` and 24 random bytes, base64. */
export const newSigningSecret = (): string => `whsec_${randomBytes(24).toString('base64')}`;

@Injectable()
export class WabaWebhooksStore {
  constructor(
    private readonly db: InboxDb,
    private readonly cipher: TokenCipher,
  ) {}

  private toWebhook(r: WebhookRow): WabaWebhook {
    return {
      id: r.id,
      userId: r.user_id,
      username: r.username,
      url: r.url,
      headers: JSON.parse(this.cipher.decrypt(r.headers_enc)) as Record<string, string>,
      events: r.events,
      secret: this.cipher.decrypt(r.secret_enc),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    };
  }

  async list(userId: number | undefined, limit: number, offset: number) {
    const rows = await this.db.query<WebhookRow & { total: string }>(
      `SELECT *, count(*) OVER () AS total FROM (${WITH_USER}) w
        WHERE $1::int IS NULL OR user_id = $1 ORDER BY id LIMIT $2 OFFSET $3`,
      [userId ?? null, limit, offset],
    );
    return { count: Number(rows[0]?.total ?? 0), results: rows.map((r) => this.toWebhook(r)) };
  }

  async find(id: number): Promise<WabaWebhook | undefined> {
    const [row] = await this.db.query<WebhookRow>(`${WITH_USER} WHERE w.id = $1`, [id]);
    return row && this.toWebhook(row);
  }

  /** Undefined when the user has one already (one webhook per user, seed 002). */
  async create(w: {
    userId: number;
    url: string;
    headers: Record<string, string>;
    events: readonly WebhookEvent[];
  }): Promise<WabaWebhook | undefined> {
    const [row] = await this.db.query<WebhookRow>(
      `INSERT INTO waba_webhooks (user_id, url, headers_enc, events, secret_enc)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO NOTHING
       RETURNING ${COLUMNS}, (SELECT username FROM users WHERE id = $1)`,
      [
        w.userId,
        w.url,
        this.cipher.encrypt(JSON.stringify(w.headers)),
        w.events,
        this.cipher.encrypt(newSigningSecret()),
      ],
    );
    return row && this.toWebhook(row);
  }

  async update(
    id: number,
    w: { url: string; headers: Record<string, string>; events: readonly WebhookEvent[] },
  ): Promise<WabaWebhook | undefined> {
    const [row] = await this.db.query<WebhookRow>(
      `UPDATE waba_webhooks SET url = $2, headers_enc = $3, events = $4, updated_at = now()
        WHERE id = $1 RETURNING ${COLUMNS}, (SELECT username FROM users WHERE id = user_id)`,
      [id, w.url, this.cipher.encrypt(JSON.stringify(w.headers)), w.events],
    );
    return row && this.toWebhook(row);
  }

  async remove(id: number): Promise<void> {
    await this.db.query(`DELETE FROM waba_webhooks WHERE id = $1`, [id]);
  }

  async userExists(id: number): Promise<boolean> {
    const rows = await this.db.query(`SELECT 1 FROM users WHERE id = $1 AND is_active`, [id]);
    return rows.length > 0;
  }

  async deliveryStates(ids: number[]): Promise<Map<number, DeliveryState>> {
    const rows = await this.db.query<{
      id: number;
      pending: string;
      given_up: number;
      retry_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
      last_delivered_at: Date | null;
    }>(
      `SELECT w.id, w.given_up, w.last_error, w.last_error_at, w.last_delivered_at,
              (SELECT count(*) FROM relay_deliveries d WHERE d.webhook_id = w.id AND d.done_at IS NULL) AS pending,
              (SELECT min(retry_at) FROM relay_lanes l WHERE l.webhook_id = w.id) AS retry_at
         FROM waba_webhooks w WHERE w.id = ANY($1::int[])`,
      [ids],
    );
    const iso = (d: Date | null) => d?.toISOString() ?? null;
    return new Map(
      rows.map((r) => [
        r.id,
        {
          pending: Number(r.pending),
          given_up: r.given_up,
          retry_at: iso(r.retry_at),
          last_error: r.last_error,
          last_error_at: iso(r.last_error_at),
          last_delivered_at: iso(r.last_delivered_at),
        },
      ]),
    );
  }
}
