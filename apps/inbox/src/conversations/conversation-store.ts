/**
 * The conversations feature's SQL, all of it: ingesting provider webhooks, reading chats and
 * messages per user, received marks, and recording what the inbox sends.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { MediaStore } from '../media/media-store';
import { InboxDb } from '../persistence/inbox-db';
import type { ProviderNotification } from '../provider/provider-webhook';

export interface MessageRow {
  id: string;
  wa_message_id: string | null;
  customer_wa_id: string;
  from_us: boolean;
  type: string;
  timestamp: string;
  waba_payload: Record<string, unknown>;
  waba_statuses: Record<string, number>;
  sender_id: number | null;
  received: boolean;
}

export interface ContactRow {
  wa_id: string;
  profile_name: string;
  last_message_timestamp: string;
  last_inbound_timestamp: string | null;
}

export interface ChatRow extends ContactRow {
  new_messages: number;
  last_message_id: string | null;
}

export interface MessageFilters {
  waId?: string;
  beforeTime?: number;
  sinceTime?: number;
  search?: string;
  limit: number;
  offset: number;
}

/** Channel of the NOTIFY that tells every replica's websocket server about a new event. */
export const EVENTS_CHANNEL = 'inbox_events';

/** `search` as an ILIKE pattern matching it literally anywhere. */
const containing = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const MESSAGE_COLUMNS = `m.id, m.wa_message_id, m.customer_wa_id, m.from_us, m.type, m.timestamp, m.waba_payload,
  m.waba_statuses, m.sender_id, COALESCE(m.timestamp <= r.timestamp, false) AS received`;

@Injectable()
export class ConversationStore {
  constructor(
    private readonly db: InboxDb,
    private readonly media: MediaStore,
  ) {}

  /**
   * Stores one provider webhook, all of it or nothing: the raw body (for websocket frames), its
   * contacts, its messages (a message id seen before is skipped: providers redeliver), its
   * statuses (kept aside when their message is not known yet). Then NOTIFY, delivered at commit.
   * `mediaLink` turns one of our media ids into the link stored in the message.
   */
  async ingest(body: unknown, n: ProviderNotification, mediaLink: (id: string) => string): Promise<number> {
    return this.db.transaction(async (tx) => {
      const [{ id }] = (
        await tx.query<{ id: string }>(`INSERT INTO provider_webhooks (body) VALUES ($1) RETURNING id`, [
          JSON.stringify(body),
        ])
      ).rows;
      for (const c of n.contacts) {
        await tx.query(
          `INSERT INTO contacts (wa_id, profile_name) VALUES ($1, $2)
           ON CONFLICT (wa_id) DO UPDATE SET profile_name = COALESCE(NULLIF(EXCLUDED.profile_name, ''), contacts.profile_name)`,
          [c.waId, c.name],
        );
      }
      for (const m of n.messages) {
        const payload = { ...m.payload };
        // A received file gets an id of ours (its link is a capability: docs/inbox.md).
        const mediaId = m.media ? randomUUID() : null;
        if (mediaId)
          payload[m.type] = { ...(payload[m.type] as object), id: mediaId, link: mediaLink(mediaId) };
        await tx.query(`INSERT INTO contacts (wa_id) VALUES ($1) ON CONFLICT DO NOTHING`, [m.from]);
        const inserted = await tx.query<{ id: string }>(
          `INSERT INTO messages (wa_message_id, customer_wa_id, from_us, type, timestamp, waba_payload, body_text, media_id)
           VALUES ($1, $2, false, $3, $4, $5, $6, $7) ON CONFLICT (wa_message_id) DO NOTHING RETURNING id`,
          [m.id, m.from, m.type, m.timestamp, JSON.stringify(payload), m.text, mediaId],
        );
        if (inserted.rowCount === 0) continue;
        if (m.media && mediaId)
          await this.media.recordReceived(tx, mediaId, m.media.id, m.media.mimeType, m.media.sha256);
        await this.touchContact(tx, m.from, m.timestamp, inserted.rows[0].id, true);
        await this.applyEarlyStatuses(tx, m.id);
      }
      for (const s of n.statuses) {
        const updated = await tx.query(
          `UPDATE messages SET waba_statuses = waba_statuses || jsonb_build_object($2::text, $3::bigint)
            WHERE wa_message_id = $1`,
          [s.messageId, s.status, s.timestamp],
        );
        if (updated.rowCount === 0) {
          await tx.query(
            `INSERT INTO early_statuses (wa_message_id, status, timestamp) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
            [s.messageId, s.status, s.timestamp],
          );
        }
      }
      await tx.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, JSON.stringify({ webhook: id })]);
      return Number(id);
    });
  }

  async contact(waId: string): Promise<ContactRow | null> {
    const [row] = await this.db.query<ContactRow>(`SELECT * FROM contacts WHERE wa_id = $1`, [waId]);
    return row ?? null;
  }

  /** The contacts of these chats, in one query. */
  async contacts(waIds: string[]): Promise<Map<string, ContactRow>> {
    if (!waIds.length) return new Map();
    const rows = await this.db.query<ContactRow>(`SELECT * FROM contacts WHERE wa_id = ANY($1::text[])`, [
      waIds,
    ]);
    return new Map(rows.map((c) => [c.wa_id, c]));
  }

  /** Persons (contacts) newest activity first, searched by number or name. */
  async persons(search: string | undefined, limit: number, offset: number) {
    const filters = search ? [containing(search)] : [];
    const where = search ? 'WHERE wa_id ILIKE $3 OR profile_name ILIKE $3' : '';
    return this.page(offset, (at) =>
      this.db.query<ContactRow & { total: string }>(
        `SELECT *, count(*) OVER () AS total FROM contacts ${where}
          ORDER BY last_message_timestamp DESC, wa_id LIMIT $1 OFFSET $2`,
        [limit, at, ...filters],
      ),
    );
  }

  /** Chats newest activity first, with the user's count of messages not received yet. */
  async chats(userId: number, search: string | undefined, limit: number, offset: number) {
    const filters = search ? [containing(search)] : [];
    let where = '';
    if (search) {
      where = `WHERE c.wa_id ILIKE $4 OR c.profile_name ILIKE $4
        OR EXISTS (SELECT 1 FROM messages s WHERE s.customer_wa_id = c.wa_id AND s.body_text ILIKE $4)`;
    }
    return this.page(offset, (at) =>
      this.db.query<ChatRow & { total: string }>(
        `SELECT c.*, count(*) OVER () AS total,
          (SELECT count(*)::int FROM messages x
            WHERE x.customer_wa_id = c.wa_id AND NOT x.from_us AND x.timestamp > COALESCE(r.timestamp, -1)) AS new_messages
         FROM contacts c LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = c.wa_id
        ${where}
        ORDER BY c.last_message_timestamp DESC, c.wa_id
        LIMIT $2 OFFSET $3`,
        [userId, limit, at, ...filters],
      ),
    );
  }

  /**
   * One page and the total: `count(*) OVER ()` rides on the page's rows, so past the last page the
   * first page is asked for it (DRF reports the total on every page).
   */
  private async page<T extends { total: string }>(offset: number, run: (offset: number) => Promise<T[]>) {
    const rows = await run(offset);
    const [counted] = rows.length || offset === 0 ? rows : await run(0);
    return { rows, count: counted ? Number(counted.total) : 0 };
  }

  /** Messages newest first, `received` as seen by this user. */
  async messages(userId: number, f: MessageFilters) {
    const params: unknown[] = [userId, f.limit, f.offset];
    const where: string[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.waId !== undefined) add('m.customer_wa_id = ?', f.waId);
    if (f.beforeTime !== undefined) add('m.timestamp < ?', f.beforeTime);
    if (f.sinceTime !== undefined) add('m.timestamp >= ?', f.sinceTime);
    if (f.search) add('m.body_text ILIKE ?', containing(f.search));
    return this.page(f.offset, (at) =>
      this.db.query<MessageRow & { total: string }>(
        `SELECT ${MESSAGE_COLUMNS}, count(*) OVER () AS total
           FROM messages m LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = m.customer_wa_id
          ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY m.timestamp DESC, m.id DESC
          LIMIT $2 OFFSET $3`,
        params.map((p, i) => (i === 2 ? at : p)),
      ),
    );
  }

  async messagesByIds(userId: number, ids: string[]): Promise<MessageRow[]> {
    if (!ids.length) return [];
    return this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = m.customer_wa_id
        WHERE m.id = ANY($2::bigint[])`,
      [userId, ids],
    );
  }

  /** Marks everything in the chat up to `timestamp` received by the user (never moves a mark back). */
  async markReceived(userId: number, waId: string, timestamp: number): Promise<void> {
    await this.db.query(
      `INSERT INTO received_marks (user_id, customer_wa_id, timestamp) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, customer_wa_id) DO UPDATE SET timestamp = GREATEST(received_marks.timestamp, EXCLUDED.timestamp)`,
      [userId, waId, timestamp],
    );
  }

  /**
   * A message the inbox is about to send, recorded first with the caller's reference: a retry of
   * the same send finds it (the idempotency guard) instead of sending again.
   */
  async recordOutgoing(o: {
    clientRef: string;
    waId: string;
    type: string;
    timestamp: number;
    payload: Record<string, unknown>;
    senderId: number;
    text: string | null;
  }): Promise<{ id: string; waMessageId: string | null }> {
    return this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO contacts (wa_id) VALUES ($1) ON CONFLICT DO NOTHING`, [o.waId]);
      const inserted = await tx.query<{ id: string; wa_message_id: string | null }>(
        `INSERT INTO messages (customer_wa_id, from_us, type, timestamp, waba_payload, sender_id, body_text, client_ref)
         VALUES ($1, true, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (client_ref) DO UPDATE SET client_ref = EXCLUDED.client_ref
         RETURNING id, wa_message_id`,
        [o.waId, o.type, o.timestamp, JSON.stringify(o.payload), o.senderId, o.text, o.clientRef],
      );
      const row = inserted.rows[0];
      await this.touchContact(tx, o.waId, o.timestamp, row.id, false);
      return { id: row.id, waMessageId: row.wa_message_id };
    });
  }

  /** The provider accepted it: its id, the statuses that raced ahead of this answer, NOTIFY. */
  async recordSent(id: string, waMessageId: string, payload: Record<string, unknown>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`UPDATE messages SET wa_message_id = $2, waba_payload = $3 WHERE id = $1`, [
        id,
        waMessageId,
        JSON.stringify(payload),
      ]);
      await this.applyEarlyStatuses(tx, waMessageId);
      await tx.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, JSON.stringify({ outgoing: id })]);
    });
  }

  /** The provider refused it: it was never sent, so it is not kept. */
  async dropOutgoing(id: string): Promise<void> {
    await this.db.query(`DELETE FROM messages WHERE id = $1 AND wa_message_id IS NULL`, [id]);
  }

  private async touchContact(
    tx: PoolClient,
    waId: string,
    timestamp: number,
    messageId: string,
    inbound: boolean,
  ) {
    await tx.query(
      `UPDATE contacts SET
          last_message_id = CASE WHEN $2 >= last_message_timestamp THEN $3 ELSE last_message_id END,
          last_message_timestamp = GREATEST(last_message_timestamp, $2),
          last_inbound_timestamp = CASE WHEN $4 THEN GREATEST(COALESCE(last_inbound_timestamp, 0), $2) ELSE last_inbound_timestamp END
        WHERE wa_id = $1`,
      [waId, timestamp, messageId, inbound],
    );
  }

  private async applyEarlyStatuses(tx: PoolClient, waMessageId: string): Promise<void> {
    await tx.query(
      `WITH early AS (DELETE FROM early_statuses WHERE wa_message_id = $1 RETURNING status, timestamp)
       UPDATE messages SET waba_statuses = waba_statuses || (SELECT jsonb_object_agg(status, timestamp) FROM early)
        WHERE wa_message_id = $1 AND EXISTS (SELECT 1 FROM early)`,
      [waMessageId],
    );
  }
}
