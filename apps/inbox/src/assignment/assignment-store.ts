/**
 * The assignment feature's SQL: a chat's assignee (user and group), its history, and the round
 * robin. A change writes the chat, its event row, its webhook deliveries (`chat_assignment` for
 * subscribers; `assigned_messages` for a newly assigned user) and its websocket NOTIFY at once.
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { EVENTS_CHANNEL } from '../conversations/conversation-store';
import { InboxDb } from '../persistence/inbox-db';
import { scopeClause } from '../permissions/chat-scope-sql';
import type { ChatScope } from '../permissions/permissions';
import { RelayStore } from '../relay/relay-store';
import { eventRow } from './assignment-presenter';

export interface Assignment {
  wa_id: string;
  assigned_to_user: number | null;
  assigned_group: number | null;
}

export interface AssignmentChange {
  waId: string;
  before: Assignment;
  after: Assignment;
  doneBy: number | null;
  timestamp: number;
}

export interface AssignmentEventRow {
  timestamp: string;
  customer_wa_id: string;
  user_set: number | null;
  user_cleared: boolean;
  group_set: number | null;
  group_cleared: boolean;
  done_by: number | null;
}

/** How many of a chat's newest messages a newly assigned user's webhook gets (assigned_messages). */
const ASSIGNED_BACKLOG = 20;

@Injectable()
export class AssignmentStore {
  constructor(
    private readonly db: InboxDb,
    private readonly relay: RelayStore,
  ) {}

  async get(waId: string): Promise<Assignment | undefined> {
    const [row] = await this.db.query<Assignment>(
      `SELECT wa_id, assigned_user_id AS assigned_to_user, assigned_group_id AS assigned_group
         FROM contacts WHERE wa_id = $1`,
      [waId],
    );
    return row;
  }

  /**
   * Sets a chat's assignee to what `next` makes of the current one, under the chat's row lock (so
   * concurrent changes serialise; `next` may throw to refuse). Nothing is written when nothing
   * changes. Undefined when the chat is unknown.
   */
  assign(
    waId: string,
    next: (current: Assignment) => Assignment,
    doneBy: number | null,
    present: (change: AssignmentChange) => Promise<Record<string, unknown>>,
  ): Promise<AssignmentChange | undefined> {
    return this.db.transaction(async (tx) => {
      const [before] = (
        await tx.query<Assignment>(
          `SELECT wa_id, assigned_user_id AS assigned_to_user, assigned_group_id AS assigned_group
             FROM contacts WHERE wa_id = $1 FOR UPDATE`,
          [waId],
        )
      ).rows;
      if (!before) return undefined;
      const after = next(before);
      const change = { waId, before, after, doneBy, timestamp: Math.floor(Date.now() / 1000) };
      if (
        after.assigned_to_user === before.assigned_to_user &&
        after.assigned_group === before.assigned_group
      )
        return change;
      await tx.query(`UPDATE contacts SET assigned_user_id = $2, assigned_group_id = $3 WHERE wa_id = $1`, [
        waId,
        after.assigned_to_user,
        after.assigned_group,
      ]);
      await this.record(tx, change, present);
      return change;
    });
  }

  private async record(
    tx: PoolClient,
    change: AssignmentChange,
    present: (change: AssignmentChange) => Promise<Record<string, unknown>>,
  ): Promise<void> {
    const row = eventRow(change);
    await tx.query(
      `INSERT INTO chat_assignment_events
         (timestamp, customer_wa_id, user_set, user_cleared, group_set, group_cleared, done_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        row.timestamp,
        row.customer_wa_id,
        row.user_set,
        row.user_cleared,
        row.group_set,
        row.group_cleared,
        row.done_by,
      ],
    );
    const payload = await present(change);
    await this.relay.enqueueEvent(tx, 'chat_assignment', payload, change.waId);
    if (row.user_set !== null)
      await this.relay.enqueueAssigned(tx, row.user_set, change.waId, ASSIGNED_BACKLOG);
    const event = JSON.stringify({ event: { chat_assignment: payload } });
    if (Buffer.byteLength(event) < 7900) await tx.query(`SELECT pg_notify($1, $2)`, [EVENTS_CHANNEL, event]);
  }

  /** When the chat's assignment last changed (by anyone), or null if it never did. */
  async lastChangeAt(waId: string): Promise<Date | null> {
    const [row] = await this.db.query<{ at: Date | null }>(
      `SELECT max(created_at) AS at FROM chat_assignment_events WHERE customer_wa_id = $1`,
      [waId],
    );
    return row?.at ?? null;
  }

  async events(
    filters: { waId?: string; since?: number; before?: number; scope: ChatScope },
    limit: number,
    offset: number,
  ) {
    const params: unknown[] = [
      filters.waId ?? null,
      filters.since ?? null,
      filters.before ?? null,
      limit,
      offset,
    ];
    const readable = scopeClause(filters.scope, 'customer_wa_id', params);
    const rows = await this.db.query<AssignmentEventRow & { total: string }>(
      `SELECT *, count(*) OVER () AS total FROM chat_assignment_events
        WHERE ($1::text IS NULL OR customer_wa_id = $1) AND ($2::bigint IS NULL OR timestamp >= $2)
          AND ($3::bigint IS NULL OR timestamp < $3) ${readable}
        ORDER BY timestamp DESC, id DESC LIMIT $4 OFFSET $5`,
      params,
    );
    return { count: Number(rows[0]?.total ?? 0), results: rows };
  }

  /**
   * The group's next member in turn (active, by id, after the last one picked), or undefined for
   * an empty group. Serialised per group by the round robin row's lock.
   */
  async nextInTurn(groupId: number, role: string): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO round_robin (group_id, last_user_id) VALUES ($1, 0) ON CONFLICT DO NOTHING`,
        [groupId],
      );
      const [{ last_user_id: last }] = (
        await tx.query<{ last_user_id: number }>(
          `SELECT last_user_id FROM round_robin WHERE group_id = $1 FOR UPDATE`,
          [groupId],
        )
      ).rows;
      const members = `SELECT id FROM users WHERE role = $1 AND is_active AND NOT is_configurator`;
      const [next] = (
        await tx.query<{ id: number }>(
          `(${members} AND id > $2 ORDER BY id LIMIT 1) UNION ALL (${members} ORDER BY id LIMIT 1) LIMIT 1`,
          [role, last],
        )
      ).rows;
      if (next)
        await tx.query(`UPDATE round_robin SET last_user_id = $2 WHERE group_id = $1`, [groupId, next.id]);
      return next?.id;
    });
  }
}
