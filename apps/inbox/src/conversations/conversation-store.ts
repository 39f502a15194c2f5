/**
 * The conversations feature's SQL, all of it: ingesting provider webhooks, reading chats and
 * messages per user, received marks, and recording what the inbox sends.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { RelayStore } from '../relay/relay-store';
import { RuleEngineStore } from '../rule-engine/rule-engine-store';
import type { ChatScope } from '../permissions/permissions';
import { scopeCondition, scopeOfChatColumn } from '../permissions/chat-scope-sql';
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
  /** The sender's Idempotency-Key (or the one the instance chose); null for inbound messages. */
  client_ref: string | null;
  received: boolean;
}

/** A send whose provider answer was never recorded. */
export interface PendingSend {
  id: string;
  customer_wa_id: string;
  type: string;
  waba_payload: Record<string, unknown>;
  client_ref: string;
  timestamp: string;
}

export interface ContactRow {
  wa_id: string;
  assigned_user_id?: number | null;
  assigned_group_id?: number | null;
  profile_name: string;
  last_message_timestamp: string;
  last_inbound_timestamp: string | null;
}

export interface ChatRow extends ContactRow {
  new_messages: number;
  last_message_id: string | null;
  assigned_user_id: number | null;
  assigned_group_id: number | null;
}

/** Seed 002's `assigned_to_me` (as the caller's id) and `assigned_group` filters. */
export interface AssignmentFilters {
  assignedUser?: number;
  assignedGroup?: number;
  /** The chats the caller may read (seed 002's can_read_chats); all when left out. */
  scope?: ChatScope;
}

export interface ChatFilters extends AssignmentFilters {
  search?: string;
}

export interface MessageFilters extends AssignmentFilters {
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
  m.waba_statuses, m.sender_id, m.client_ref, COALESCE(m.timestamp <= r.timestamp, false) AS received`;

/** The shortest search through message texts: the trigram indexes need 3 characters. */
export const MIN_TEXT_SEARCH = 3;

@Injectable()
export class ConversationStore {
  constructor(
    private readonly db: InboxDb,
    private readonly relay: RelayStore,
    private readonly rules: RuleEngineStore,
  ) {}

  /**
   * Stores one provider webhook, all of it or nothing, in one round trip (`inbox_ingest`, in
   * conversations.migrations.ts): the raw body (for websocket frames), its contacts, its messages
   * (a message id seen before is skipped: providers redeliver), its statuses (kept aside when their
   * message is not known yet), then NOTIFY, delivered at commit. A received file gets an id of ours,
   * and `mediaLink` turns it into the link stored in the message (a capability: docs/inbox.md).
   * `raw` is the body as it came, kept for the per-user webhooks that relay it byte for byte.
   */
  async ingest(
    body: unknown,
    raw: string,
    n: ProviderNotification,
    mediaLink: (id: string) => string,
  ): Promise<number> {
    const messages = n.messages.map((m) => {
      const mediaId = m.media ? randomUUID() : null;
      const payload = mediaId
        ? {
            ...m.payload,
            [m.type]: { ...(m.payload[m.type] as object), id: mediaId, link: mediaLink(mediaId) },
          }
        : m.payload;
      return {
        id: m.id,
        from: m.from,
        type: m.type,
        timestamp: m.timestamp,
        payload,
        text: m.text,
        media_id: mediaId,
        provider_media_id: m.media?.id ?? null,
        mime_type: m.media?.mimeType ?? null,
        sha256: m.media?.sha256 ?? null,
      };
    });
    // The relay's deliveries are written by the same statement, so in the same transaction.
    const [row] = await this.db.query<{ id: string }>(
      `SELECT relay_provider_webhook(inbox_ingest($1, $2, $3, $4), $5, $6, $7, $8) AS id`,
      [
        JSON.stringify(body),
        JSON.stringify(n.contacts.map((c) => ({ wa_id: c.waId, name: c.name }))),
        JSON.stringify(messages),
        JSON.stringify(
          n.statuses.map((s) => ({ id: s.messageId, status: s.status, timestamp: s.timestamp })),
        ),
        n.messages[0]?.from ?? n.statuses[0]?.recipient ?? '',
        n.messages.map((m) => m.id),
        n.statuses.length > 0,
        raw,
      ],
    );
    return Number(row.id);
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
  async persons(search: string | undefined, scope: ChatScope, limit: number, offset: number) {
    const params: unknown[] = [limit, offset];
    const where: string[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (search) add('(c.wa_id ILIKE ? OR c.profile_name ILIKE ?)', containing(search));
    scopeCondition(scope, add);
    return this.page(offset, (at) =>
      this.db.query<ContactRow & { total: string }>(
        `SELECT c.*, count(*) OVER () AS total FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
          ORDER BY c.last_message_timestamp DESC, c.wa_id LIMIT $1 OFFSET $2`,
        params.map((p, i) => (i === 1 ? at : p)),
      ),
    );
  }

  /**
   * Chats newest activity first, with the user's count of messages not received yet. The page is
   * chosen first and the counts made for its rows only (an index range each); a search matches the
   * number, the name, or any message's text (through the trigram indexes).
   */
  async chats(userId: number, f: ChatFilters, limit: number, offset: number) {
    const params: unknown[] = [userId, limit, offset];
    const where: string[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replaceAll('?', `$${params.length}`));
    };
    if (f.search) {
      // Message texts are searched from 3 characters (a trigram): shorter ones would scan them all.
      const inTexts =
        f.search.length >= MIN_TEXT_SEARCH
          ? `OR c.wa_id IN (SELECT s.customer_wa_id FROM messages s WHERE s.body_text ILIKE ?)`
          : '';
      add(`(c.wa_id ILIKE ? OR c.profile_name ILIKE ? ${inTexts})`, containing(f.search));
    }
    if (f.assignedUser !== undefined) add('c.assigned_user_id = ?', f.assignedUser);
    if (f.assignedGroup !== undefined) add('c.assigned_group_id = ?', f.assignedGroup);
    scopeCondition(f.scope, add);
    return this.page(offset, (at) =>
      this.db.query<ChatRow & { total: string }>(
        `SELECT p.*,
          (SELECT count(*)::int FROM messages x
            WHERE x.customer_wa_id = p.wa_id AND NOT x.from_us AND x.timestamp > COALESCE(r.timestamp, -1)) AS new_messages
         FROM (SELECT c.*, count(*) OVER () AS total FROM contacts c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                ORDER BY c.last_message_timestamp DESC, c.wa_id LIMIT $2 OFFSET $3) p
         LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = p.wa_id
        ORDER BY p.last_message_timestamp DESC, p.wa_id`,
        params.map((p, i) => (i === 2 ? at : p)),
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
    if (f.assignedUser !== undefined)
      add('m.customer_wa_id IN (SELECT wa_id FROM contacts WHERE assigned_user_id = ?)', f.assignedUser);
    if (f.assignedGroup !== undefined)
      add('m.customer_wa_id IN (SELECT wa_id FROM contacts WHERE assigned_group_id = ?)', f.assignedGroup);
    scopeOfChatColumn(f.scope, 'm.customer_wa_id', add);
    // The page is chosen on narrow rows (id, timestamp), then its rows are read: the total over
    // every match never carries the payloads (a search matching 1% of 1M messages spilled to disk).
    return this.page(f.offset, (at) =>
      this.db.query<MessageRow & { total: string }>(
        `SELECT ${MESSAGE_COLUMNS}, p.total
           FROM (SELECT m.id, count(*) OVER () AS total FROM messages m
                  ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                  ORDER BY m.timestamp DESC, m.id DESC LIMIT $2 OFFSET $3) p
           JOIN messages m ON m.id = p.id
           LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = m.customer_wa_id
          ORDER BY m.timestamp DESC, m.id DESC`,
        params.map((p, i) => (i === 2 ? at : p)),
      ),
    );
  }

  /** Messages by our ids, as one user sees them (`received` is theirs), in no particular order. */
  messagesByIds(userId: number, ids: string[]): Promise<MessageRow[]> {
    return this.messagesWhere(userId, 'm.id = ANY($2::bigint[])', ids);
  }

  /** The same by the provider's ids (a relayed webhook's messages). */
  messagesByProviderIds(userId: number, waMessageIds: string[]): Promise<MessageRow[]> {
    return this.messagesWhere(userId, 'm.wa_message_id = ANY($2::text[])', waMessageIds);
  }

  private async messagesWhere(userId: number, idsMatch: string, ids: string[]): Promise<MessageRow[]> {
    if (!ids.length) return [];
    return this.db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m
         LEFT JOIN received_marks r ON r.user_id = $1 AND r.customer_wa_id = m.customer_wa_id
        WHERE ${idsMatch}`,
      [userId, ids],
    );
  }

  /** The same for many chats at once, in one statement (the relay marks a batch of deliveries). */
  async markReceivedMany(userId: number, marks: { waId: string; timestamp: number }[]): Promise<void> {
    if (!marks.length) return;
    await this.db.query(
      `INSERT INTO received_marks (user_id, customer_wa_id, timestamp)
       SELECT $1, w, max(t) FROM unnest($2::text[], $3::bigint[]) AS m (w, t) GROUP BY w
       ON CONFLICT (user_id, customer_wa_id) DO UPDATE SET timestamp = GREATEST(received_marks.timestamp, EXCLUDED.timestamp)`,
      [userId, marks.map((m) => m.waId), marks.map((m) => m.timestamp)],
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

  /**
   * The provider accepted it: its id, the statuses that raced ahead of this answer, NOTIFY. Once:
   * a send recorded already (by a request and a reconciliation both) changes nothing.
   */
  async recordSent(
    id: string,
    waId: string,
    waMessageId: string,
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `UPDATE messages SET wa_message_id = $2, waba_payload = $3 WHERE id = $1 AND wa_message_id IS NULL`,
        [id, waMessageId, JSON.stringify(payload)],
      );
      if (!rowCount) return;
      await this.applyEarlyStatuses(tx, waMessageId);
      await this.relay.enqueueOutgoing(tx, id, waId);
      await this.rules.enqueue(tx, { kind: 'outgoing', waId, messageIds: [id] });
      await tx.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, JSON.stringify({ outgoing: id })]);
    });
  }

  /** Sends recorded before `before` (POSIX seconds) whose provider answer never was. */
  pendingSends(before: number, limit: number): Promise<PendingSend[]> {
    return this.db.query<PendingSend>(
      `SELECT id, customer_wa_id, type, waba_payload, client_ref, timestamp FROM messages
        WHERE from_us AND wa_message_id IS NULL AND client_ref IS NOT NULL AND timestamp < $1
        ORDER BY id LIMIT $2`,
      [before, limit],
    );
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
