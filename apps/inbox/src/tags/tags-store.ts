/**
 * The tags feature's SQL: tags, chat and message taggings, and their history. Each change writes
 * its event row, its per-user webhook deliveries and its websocket NOTIFY in one transaction.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { EVENTS_CHANNEL } from '../conversations/conversation-store';
import { InboxDb } from '../persistence/inbox-db';
import { scopeClause } from '../permissions/chat-scope-sql';
import type { ChatScope } from '../permissions/permissions';
import { RelayStore } from '../relay/relay-store';
import { RuleEngineStore } from '../rule-engine/rule-engine-store';

export interface Tag {
  id: number;
  name: string;
  web_inbox_color: string | null;
  /** The tag's own free-form data (an object, or null). */
  extra: unknown;
}

/** A tag as a chat or message shows it (seed 002: with its tagging's id and the tagging's extra). */
export interface AppliedTag extends Omit<Tag, 'extra'> {
  tagging_id: number;
  extra: unknown;
}

export type TaggingKind = 'chat' | 'message';

export interface TaggingRow {
  id: number;
  tag_id: number;
  customer_wa_id: string;
  wa_message_id: string | null;
  extra: unknown;
}

export interface TaggingEventRow {
  id: string;
  kind: TaggingKind;
  timestamp: string;
  action: 'added' | 'removed';
  tag: Tag;
  customer_wa_id: string;
  wa_message_id: string | null;
  extra: unknown;
  done_by: number | null;
}

/** The event as seed 002 shows it, `done_by` presented by the caller. */
export type EventPayload = Record<string, unknown>;

export interface TaggingChange {
  kind: TaggingKind;
  action: 'added' | 'removed';
  tag: Tag;
  waId: string;
  waMessageId: string | null;
  extra: unknown;
  doneBy: number;
}

const TAG_COLUMNS = 'id, name, web_inbox_color, extra';
const now = () => Math.floor(Date.now() / 1000);

@Injectable()
export class TagsStore {
  constructor(
    private readonly db: InboxDb,
    private readonly relay: RelayStore,
    private readonly rules: RuleEngineStore,
  ) {}

  async list(limit: number, offset: number) {
    const rows = await this.db.query<Tag & { total: string }>(
      `SELECT ${TAG_COLUMNS}, count(*) OVER () AS total FROM tags ORDER BY id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return { count: Number(rows[0]?.total ?? 0), results: rows.map(({ total: _, ...tag }) => tag) };
  }

  async find(id: number): Promise<Tag | undefined> {
    const [tag] = await this.db.query<Tag>(`SELECT ${TAG_COLUMNS} FROM tags WHERE id = $1`, [id]);
    return tag;
  }

  async findByName(name: string): Promise<Tag | undefined> {
    const [tag] = await this.db.query<Tag>(`SELECT ${TAG_COLUMNS} FROM tags WHERE name = $1`, [name]);
    return tag;
  }

  /** Undefined when the name is taken. */
  async create(name: string, color: string | null, extra: unknown = null): Promise<Tag | undefined> {
    const [tag] = await this.db.query<Tag>(
      `INSERT INTO tags (name, web_inbox_color, extra) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING ${TAG_COLUMNS}`,
      [name, color, extra === null ? null : JSON.stringify(extra)],
    );
    return tag;
  }

  /** Undefined when the name is another tag's; null when the tag is gone. */
  async update(
    id: number,
    name: string,
    color: string | null,
    extra: unknown,
  ): Promise<Tag | undefined | null> {
    try {
      const [tag] = await this.db.query<Tag>(
        `UPDATE tags SET name = $2, web_inbox_color = $3, extra = $4 WHERE id = $1 RETURNING ${TAG_COLUMNS}`,
        [id, name, color, extra === null ? null : JSON.stringify(extra)],
      );
      return tag ?? null;
    } catch (error) {
      if ((error as { code?: string }).code === '23505') return undefined;
      throw error;
    }
  }

  async remove(id: number): Promise<void> {
    await this.db.query(`DELETE FROM tags WHERE id = $1`, [id]);
  }

  /** A message by the provider's id (or ours, `local-N`, before the provider answered). */
  async message(
    id: string,
  ): Promise<{ id: string; customer_wa_id: string; wa_message_id: string } | undefined> {
    const local = /^local-(\d{1,18})$/.exec(id);
    const [row] = await this.db.query<{ id: string; customer_wa_id: string; wa_message_id: string }>(
      local
        ? `SELECT id, customer_wa_id, COALESCE(wa_message_id, 'local-' || id) AS wa_message_id FROM messages WHERE id = $1`
        : `SELECT id, customer_wa_id, wa_message_id FROM messages WHERE wa_message_id = $1`,
      [local ? local[1] : id],
    );
    return row;
  }

  async chatExists(waId: string): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM contacts WHERE wa_id = $1`, [waId])).length > 0;
  }

  /**
   * Tags a message, and its chat when the chat does not have the tag yet. Undefined when the
   * message has the tag already. `present` turns each change into its event payload.
   */
  tagMessage(
    tag: Tag,
    message: { id: string; customer_wa_id: string; wa_message_id: string },
    extra: unknown,
    doneBy: number,
    present: (change: TaggingChange) => EventPayload,
  ): Promise<TaggingRow | undefined> {
    return this.db.transaction(async (tx) => {
      const id = await this.insertTagging(tx, 'message_taggings', 'message_id', tag.id, message.id, extra);
      if (id === undefined) return undefined;
      const change = { tag, waId: message.customer_wa_id, extra, doneBy } as const;
      await this.record(
        tx,
        { ...change, kind: 'message', action: 'added', waMessageId: message.wa_message_id },
        present,
      );
      if (
        await this.insertTagging(tx, 'chat_taggings', 'customer_wa_id', tag.id, message.customer_wa_id, extra)
      )
        await this.record(tx, { ...change, kind: 'chat', action: 'added', waMessageId: null }, present);
      const { customer_wa_id, wa_message_id } = message;
      return { id, tag_id: tag.id, customer_wa_id, wa_message_id, extra: extra ?? null };
    });
  }

  /** Undefined when the chat has the tag already. */
  tagChat(
    tag: Tag,
    waId: string,
    extra: unknown,
    doneBy: number,
    present: (change: TaggingChange) => EventPayload,
  ): Promise<TaggingRow | undefined> {
    return this.db.transaction(async (tx) => {
      const id = await this.insertTagging(tx, 'chat_taggings', 'customer_wa_id', tag.id, waId, extra);
      if (id === undefined) return undefined;
      await this.record(
        tx,
        { kind: 'chat', action: 'added', tag, waId, waMessageId: null, extra, doneBy },
        present,
      );
      return { id, tag_id: tag.id, customer_wa_id: waId, wa_message_id: null, extra: extra ?? null };
    });
  }

  /** A tagging's id, or undefined when the pair exists already (a pair at most once, seed 002). */
  private async insertTagging(
    tx: PoolClient,
    table: 'chat_taggings' | 'message_taggings',
    column: 'customer_wa_id' | 'message_id',
    tagId: number,
    target: string,
    extra: unknown,
  ): Promise<number | undefined> {
    const { rows } = await tx.query<{ id: number }>(
      `INSERT INTO ${table} (tag_id, ${column}, extra) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id`,
      [tagId, target, JSON.stringify(extra ?? null)],
    );
    return rows[0]?.id;
  }

  async tagging(kind: TaggingKind, id: number): Promise<TaggingRow | undefined> {
    const [row] = await this.db.query<TaggingRow>(
      kind === 'chat'
        ? `SELECT id, tag_id, customer_wa_id, NULL AS wa_message_id, extra FROM chat_taggings WHERE id = $1`
        : `SELECT t.id, t.tag_id, m.customer_wa_id, COALESCE(m.wa_message_id, 'local-' || m.id) AS wa_message_id, t.extra
             FROM message_taggings t JOIN messages m ON m.id = t.message_id WHERE t.id = $1`,
      [id],
    );
    return row;
  }

  async untag(
    kind: TaggingKind,
    tagging: TaggingRow,
    doneBy: number,
    present: (change: TaggingChange) => EventPayload,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      const { rowCount } = await tx.query(
        `DELETE FROM ${kind === 'chat' ? 'chat_taggings' : 'message_taggings'} WHERE id = $1`,
        [tagging.id],
      );
      if (!rowCount) return;
      const [tag] = (await tx.query<Tag>(`SELECT ${TAG_COLUMNS} FROM tags WHERE id = $1`, [tagging.tag_id]))
        .rows;
      await this.record(
        tx,
        {
          kind,
          action: 'removed',
          tag,
          waId: tagging.customer_wa_id,
          waMessageId: tagging.wa_message_id,
          extra: tagging.extra,
          doneBy,
        },
        present,
      );
    });
  }

  /** The history row, the per-user webhook deliveries and the websocket event of one change. */
  private async record(tx: PoolClient, change: TaggingChange, present: (c: TaggingChange) => EventPayload) {
    await tx.query(
      `INSERT INTO tagging_events (kind, timestamp, action, tag, customer_wa_id, wa_message_id, extra, done_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        change.kind,
        now(),
        change.action,
        JSON.stringify(change.tag),
        change.waId,
        change.waMessageId,
        JSON.stringify(change.extra ?? null),
        change.doneBy,
      ],
    );
    const field = change.kind === 'chat' ? 'chat_tagging' : 'message_tagging';
    const payload = present(change);
    await this.relay.enqueueEvent(tx, field, payload, change.waId);
    await this.rules.enqueue(tx, { kind: field, waId: change.waId, event: payload });
    const event = JSON.stringify({ event: { [field]: payload } });
    if (Buffer.byteLength(event) < 7900) await tx.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, event]);
  }

  async events(
    kind: TaggingKind,
    filters: { waId?: string; waMessageId?: string; since?: number; before?: number; scope: ChatScope },
    limit: number,
    offset: number,
  ) {
    const params: unknown[] = [
      kind,
      filters.waId ?? null,
      filters.waMessageId ?? null,
      filters.since ?? null,
      filters.before ?? null,
      limit,
      offset,
    ];
    const readable = scopeClause(filters.scope, 'customer_wa_id', params);
    const rows = await this.db.query<TaggingEventRow & { total: string }>(
      `SELECT *, count(*) OVER () AS total FROM tagging_events
        WHERE kind = $1 AND ($2::text IS NULL OR customer_wa_id = $2) AND ($3::text IS NULL OR wa_message_id = $3)
          AND ($4::bigint IS NULL OR timestamp >= $4) AND ($5::bigint IS NULL OR timestamp < $5) ${readable}
        ORDER BY timestamp DESC, id DESC LIMIT $6 OFFSET $7`,
      params,
    );
    return { count: Number(rows[0]?.total ?? 0), results: rows };
  }

  /** The tags of each message (by our id) and of each chat, for the presenters. */
  async applied(messageIds: string[], waIds: string[]) {
    const messages = await this.appliedTo('message_taggings', 'message_id', 'bigint', messageIds);
    const chats = await this.appliedTo('chat_taggings', 'customer_wa_id', 'text', waIds);
    const group = <K extends string>(rows: (AppliedTag & Record<K, string>)[], key: K) => {
      const map = new Map<string, AppliedTag[]>();
      for (const { [key]: owner, ...tag } of rows)
        map.set(owner, [...(map.get(owner) ?? []), tag as AppliedTag]);
      return map;
    };
    return { byMessage: group(messages, 'message_id'), byChat: group(chats, 'customer_wa_id') };
  }

  /** Taggings of these messages or chats with their tags; no query for none (the relay often has none). */
  private async appliedTo<K extends 'message_id' | 'customer_wa_id'>(
    table: 'message_taggings' | 'chat_taggings',
    owner: K,
    type: 'bigint' | 'text',
    ids: string[],
  ): Promise<(AppliedTag & Record<K, string>)[]> {
    if (!ids.length) return [];
    return this.db.query<AppliedTag & Record<K, string>>(
      `SELECT t.${owner}, g.id, g.name, g.web_inbox_color, t.id AS tagging_id, t.extra
         FROM ${table} t JOIN tags g ON g.id = t.tag_id WHERE t.${owner} = ANY($1::${type}[]) ORDER BY t.id`,
      [ids],
    );
  }
}
