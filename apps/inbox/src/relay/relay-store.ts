/**
 * The relay's SQL (docs/relay.md). Deliveries are rows written in the transaction that stored their
 * cause; a lane (one webhook, one chat) goes out in id order, and a lane whose head failed waits in
 * `relay_lanes` until its retry time, its successors behind it.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { InboxDb } from '../persistence/inbox-db';

/** Wakes the relay (LISTENed by RelayPump); sent at commit by whatever wrote deliveries. */
export const RELAY_CHANNEL = 'inbox_relay';

export type DeliveryKind = 'provider' | 'outgoing' | 'event' | 'assigned';

/** The events delivered as a field of their own (seed 002's WABA webhook extension). */
export type EventField = 'chat_tagging' | 'message_tagging' | 'chat_assignment';

export interface Delivery {
  id: string;
  lane: string;
  kind: DeliveryKind;
  provider_webhook_id: string | null;
  message_ids: string[];
  event: Record<string, unknown> | null;
  attempts: number;
}

export interface StoredProviderWebhook {
  id: string;
  raw: string;
  body: unknown;
}

@Injectable()
export class RelayStore {
  constructor(private readonly db: InboxDb) {}

  /** In the sender's transaction: a message an inbox user wrote, for outgoing_messages subscribers. */
  async enqueueOutgoing(tx: PoolClient, messageId: string, waId: string): Promise<void> {
    const { rowCount } = await tx.query(
      `INSERT INTO relay_deliveries (webhook_id, lane, kind, message_ids)
       SELECT id, $2, 'outgoing', ARRAY[$1::bigint] FROM waba_webhooks
        WHERE 'outgoing_messages' = ANY (events) ORDER BY id`,
      [messageId, waId],
    );
    if (rowCount) await tx.query(`SELECT pg_notify($1, '')`, [RELAY_CHANNEL]);
  }

  /** In the transaction of a change: an event for the subscribers of its field, `{field: payload}`. */
  async enqueueEvent(tx: PoolClient, field: EventField, payload: unknown, waId: string): Promise<void> {
    const { rowCount } = await tx.query(
      `INSERT INTO relay_deliveries (webhook_id, lane, kind, event)
       SELECT id, $2, 'event', $3 FROM waba_webhooks WHERE $1 = ANY (events) ORDER BY id`,
      [field, waId, JSON.stringify({ [field]: payload })],
    );
    if (rowCount) await tx.query(`SELECT pg_notify($1, '')`, [RELAY_CHANNEL]);
  }

  /**
   * In the transaction of an assignment: the chat's newest messages (up to `backlog`, those the
   * user has not received) for the new assignee, if it wants assigned_messages (seed 002: "also
   * when one or more Chats are assigned to the User just now").
   */
  async enqueueAssigned(tx: PoolClient, userId: number, waId: string, backlog: number): Promise<void> {
    const { rowCount } = await tx.query(
      `INSERT INTO relay_deliveries (webhook_id, lane, kind, message_ids)
       SELECT w.id, $2, 'assigned', ARRAY(
                SELECT m.id FROM messages m
                  LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = m.customer_wa_id
                 WHERE m.customer_wa_id = $2 AND NOT m.from_us AND m.timestamp > COALESCE(r.timestamp, -1)
                 ORDER BY m.timestamp DESC, m.id DESC LIMIT $3)
         FROM waba_webhooks w WHERE w.user_id = $1 AND 'assigned_messages' = ANY (w.events)`,
      [userId, waId, backlog],
    );
    if (rowCount) await tx.query(`SELECT pg_notify($1, '')`, [RELAY_CHANNEL]);
  }

  /** Who each chat is assigned to (assigned_messages go to that user's webhook). */
  async assignees(waIds: string[]): Promise<Map<string, number>> {
    if (!waIds.length) return new Map();
    const rows = await this.db.query<{ wa_id: string; assigned_user_id: number }>(
      `SELECT wa_id, assigned_user_id FROM contacts WHERE wa_id = ANY ($1::text[]) AND assigned_user_id IS NOT NULL`,
      [waIds],
    );
    return new Map(rows.map((r) => [r.wa_id, r.assigned_user_id]));
  }

  /** The next deliveries of a webhook, oldest first, leaving out lanes that wait for a retry. */
  due(webhookId: number, limit: number): Promise<Delivery[]> {
    return this.db.query<Delivery>(
      `SELECT d.id, d.lane, d.kind, d.provider_webhook_id, d.message_ids, d.event, d.attempts
         FROM relay_deliveries d
         LEFT JOIN relay_lanes l ON l.webhook_id = d.webhook_id AND l.lane = d.lane
        WHERE d.webhook_id = $1 AND d.done_at IS NULL AND (l.retry_at IS NULL OR l.retry_at <= now())
        ORDER BY d.id LIMIT $2`,
      [webhookId, limit],
    );
  }

  /** Done, in one statement (a busy relay runs this for every batch): rows, their lanes, the webhook's time. */
  async delivered(webhookId: number, deliveries: Delivery[]): Promise<void> {
    if (!deliveries.length) return;
    await this.db.query(
      `WITH done AS (
         UPDATE relay_deliveries SET done_at = now(), outcome = 'delivered', last_error = NULL
          WHERE id = ANY ($2::bigint[]) RETURNING lane),
       unblocked AS (DELETE FROM relay_lanes WHERE webhook_id = $1 AND lane IN (SELECT lane FROM done))
       UPDATE waba_webhooks SET last_delivered_at = now() WHERE id = $1`,
      [webhookId, deliveries.map((d) => d.id)],
    );
  }

  /** A failed attempt: the lane waits until `retryAt`, or (null) the delivery is given up and the lane moves on. */
  async failed(webhookId: number, delivery: Delivery, error: string, retryAt: Date | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE relay_deliveries SET attempts = attempts + 1, last_error = $2,
                done_at = CASE WHEN $3::boolean THEN now() END,
                outcome = CASE WHEN $3::boolean THEN 'given_up' END
          WHERE id = $1`,
        [delivery.id, error, retryAt === null],
      );
      if (retryAt)
        await tx.query(
          `INSERT INTO relay_lanes (webhook_id, lane, retry_at) VALUES ($1, $2, $3)
           ON CONFLICT (webhook_id, lane) DO UPDATE SET retry_at = EXCLUDED.retry_at`,
          [webhookId, delivery.lane, retryAt],
        );
      else
        await tx.query(`DELETE FROM relay_lanes WHERE webhook_id = $1 AND lane = $2`, [
          webhookId,
          delivery.lane,
        ]);
      await tx.query(
        `UPDATE waba_webhooks SET last_error = $2, last_error_at = now(),
                given_up = given_up + CASE WHEN $3::boolean THEN 1 ELSE 0 END
          WHERE id = $1`,
        [webhookId, error, retryAt === null],
      );
    });
  }

  /** When the earliest waiting lane of a webhook may be tried again. */
  async nextRetry(webhookId: number): Promise<Date | undefined> {
    const [row] = await this.db.query<{ at: Date | null }>(
      `SELECT min(retry_at) AS at FROM relay_lanes WHERE webhook_id = $1`,
      [webhookId],
    );
    return row?.at ?? undefined;
  }

  /** Webhooks with anything left to deliver (the sweep's list). */
  async webhooksWithWork(): Promise<number[]> {
    const rows = await this.db.query<{ id: number }>(
      `SELECT w.id FROM waba_webhooks w
        WHERE EXISTS (SELECT 1 FROM relay_deliveries d WHERE d.webhook_id = w.id AND d.done_at IS NULL)`,
    );
    return rows.map((r) => r.id);
  }

  async providerWebhooks(ids: string[]): Promise<Map<string, StoredProviderWebhook>> {
    if (!ids.length) return new Map();
    const rows = await this.db.query<StoredProviderWebhook>(
      `SELECT id, COALESCE(raw, body::text) AS raw, body FROM provider_webhooks WHERE id = ANY ($1::bigint[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Finished deliveries are kept a week (for support questions), then removed in small batches. */
  async prune(): Promise<void> {
    await this.db.query(
      `DELETE FROM relay_deliveries WHERE id IN (
         SELECT id FROM relay_deliveries WHERE done_at < now() - interval '7 days' LIMIT 5000)`,
    );
  }
}
