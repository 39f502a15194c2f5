/**
 * The rule engine feature's SQL: its outbox of events (written in the transaction that caused
 * them, handled in order), the default engine's rules, and the custom engine's settings (its
 * headers and signing secret encrypted, like a webhook's).
 */
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { randomBytes } from 'node:crypto';
import { TokenCipher } from '../identity/token-cipher';
import { InboxDb } from '../persistence/inbox-db';
import { RELAY_CHANNEL } from '../relay/relay-store';

export type RuleEventKind = 'incoming' | 'outgoing' | 'chat_tagging' | 'message_tagging';

export interface RuleEvent {
  id: string;
  kind: RuleEventKind;
  customer_wa_id: string;
  provider_webhook_id: string | null;
  message_ids: string[];
  event: Record<string, unknown> | null;
  attempts: number;
  created_at: Date;
}

export interface Rule {
  id: number;
  tag: number | null;
  assign_to_user: number | null;
  assign_to_group: number | null;
  group_assign_method: 'round_robin' | 'let_group_decide' | null;
}

export interface EngineSettings {
  mode: 'default' | 'custom';
  url: string | null;
  headers: Record<string, string>;
  secret: string | null;
  last_error: string | null;
  last_error_at: Date | null;
}

const RULE_COLUMNS = 'id, tag_id AS tag, assign_to_user, assign_to_group, group_assign_method';

@Injectable()
export class RuleEngineStore {
  constructor(
    private readonly db: InboxDb,
    private readonly cipher: TokenCipher,
  ) {}

  /** In the transaction of what happened: an event for the engine, if one listens (rule_engine_listens). */
  async enqueue(
    tx: PoolClient,
    e: { kind: RuleEventKind; waId: string; messageIds?: string[]; event?: unknown },
  ): Promise<void> {
    const { rowCount } = await tx.query(
      `INSERT INTO rule_events (kind, customer_wa_id, message_ids, event)
       SELECT $1, $2, $3, $4 WHERE rule_engine_listens()`,
      [e.kind, e.waId, e.messageIds ?? [], e.event === undefined ? null : JSON.stringify(e.event)],
    );
    if (rowCount) await tx.query(`SELECT pg_notify($1, '')`, [RELAY_CHANNEL]);
  }

  due(limit: number): Promise<RuleEvent[]> {
    return this.db.query<RuleEvent>(
      `SELECT id, kind, customer_wa_id, provider_webhook_id, message_ids, event, attempts, created_at FROM rule_events
        WHERE done_at IS NULL AND (retry_at IS NULL OR retry_at <= now()) ORDER BY id LIMIT $1`,
      [limit],
    );
  }

  async hasWork(): Promise<boolean> {
    return (await this.db.query(`SELECT 1 FROM rule_events WHERE done_at IS NULL LIMIT 1`)).length > 0;
  }

  async nextRetry(): Promise<Date | undefined> {
    const [row] = await this.db.query<{ at: Date | null }>(
      `SELECT min(retry_at) AS at FROM rule_events WHERE done_at IS NULL`,
    );
    return row?.at ?? undefined;
  }

  async done(id: string, outcome: 'applied' | 'failed', error?: string): Promise<void> {
    await this.db.query(
      `UPDATE rule_events SET done_at = now(), outcome = $2, last_error = $3 WHERE id = $1`,
      [id, outcome, error ?? null],
    );
    if (error) await this.engineError(error);
  }

  /** Events the default engine has handled (one statement for a batch). */
  async doneMany(ids: string[]): Promise<void> {
    await this.db.query(
      `UPDATE rule_events SET done_at = now(), outcome = 'applied' WHERE id = ANY($1::bigint[])`,
      [ids],
    );
  }

  async retry(id: string, retryAt: Date, error: string): Promise<void> {
    await this.db.query(
      `UPDATE rule_events SET attempts = attempts + 1, retry_at = $2, last_error = $3 WHERE id = $1`,
      [id, retryAt, error],
    );
    await this.engineError(error);
  }

  /** Shown to admins on rule_engine/. */
  private async engineError(error: string): Promise<void> {
    await this.db.query(`UPDATE rule_engine SET last_error = $1, last_error_at = now() WHERE id = 1`, [
      error,
    ]);
  }

  async pendingCounts(): Promise<{ pending: number; failed: number }> {
    const [row] = await this.db.query<{ pending: string; failed: string }>(
      `SELECT (SELECT count(*) FROM rule_events WHERE done_at IS NULL) AS pending,
              (SELECT count(*) FROM rule_events WHERE outcome = 'failed') AS failed`,
    );
    return { pending: Number(row.pending), failed: Number(row.failed) };
  }

  async settings(): Promise<EngineSettings> {
    const [row] = await this.db.query<{
      mode: 'default' | 'custom';
      url: string | null;
      headers_enc: string | null;
      secret_enc: string | null;
      last_error: string | null;
      last_error_at: Date | null;
    }>(`SELECT mode, url, headers_enc, secret_enc, last_error, last_error_at FROM rule_engine WHERE id = 1`);
    return {
      mode: row.mode,
      url: row.url,
      headers: row.headers_enc
        ? (JSON.parse(this.cipher.decrypt(row.headers_enc)) as Record<string, string>)
        : {},
      secret: row.secret_enc ? this.cipher.decrypt(row.secret_enc) : null,
      last_error: row.last_error,
      last_error_at: row.last_error_at,
    };
  }

  /** Switches engines; a custom engine gets a new signing secret when it had none. */
  async saveSettings(s: { mode: 'default' | 'custom'; url: string | null; headers: Record<string, string> }) {
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await this.db.query(
      `UPDATE rule_engine SET mode = $1, url = $2, headers_enc = $3,
              secret_enc = COALESCE(secret_enc, $4), last_error = NULL, last_error_at = NULL WHERE id = 1`,
      [s.mode, s.url, this.cipher.encrypt(JSON.stringify(s.headers)), this.cipher.encrypt(secret)],
    );
  }

  listRules(): Promise<Rule[]> {
    return this.db.query<Rule>(`SELECT ${RULE_COLUMNS} FROM rules ORDER BY id`);
  }

  async createRule(r: Omit<Rule, 'id'>): Promise<Rule> {
    const [rule] = await this.db.query<Rule>(
      `INSERT INTO rules (tag_id, assign_to_user, assign_to_group, group_assign_method)
       VALUES ($1, $2, $3, $4) RETURNING ${RULE_COLUMNS}`,
      [r.tag, r.assign_to_user, r.assign_to_group, r.group_assign_method],
    );
    return rule;
  }

  async removeRule(id: number): Promise<boolean> {
    return ((await this.db.query(`DELETE FROM rules WHERE id = $1 RETURNING id`, [id])).length ?? 0) > 0;
  }

  /** A message's chat, by the provider's id or ours (`local-N`). */
  async chatOfMessage(id: string): Promise<string | undefined> {
    const local = /^local-(\d{1,18})$/.exec(id);
    const [row] = await this.db.query<{ customer_wa_id: string }>(
      local
        ? `SELECT customer_wa_id FROM messages WHERE id = $1`
        : `SELECT customer_wa_id FROM messages WHERE wa_message_id = $1`,
      [local ? local[1] : id],
    );
    return row?.customer_wa_id;
  }

  async chatIsFree(waId: string): Promise<boolean> {
    const [row] = await this.db.query<{ free: boolean }>(
      `SELECT assigned_user_id IS NULL AND assigned_group_id IS NULL AS free FROM contacts WHERE wa_id = $1`,
      [waId],
    );
    return row?.free ?? false;
  }
}
