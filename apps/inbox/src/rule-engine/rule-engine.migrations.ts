import type { Migration } from '../persistence/migrations';

/**
 * Seed 002's rule engines: the default engine's rules, the custom engine's settings (one row), and
 * the engine's outbox: each event it must see (a new inbound message, a message an inbox user
 * wrote, a tagging change), written in the transaction that caused it and handled in order.
 */
export const RULE_ENGINE_MIGRATIONS: Migration[] = [
  {
    name: '0013-rule-engine',
    statements: [
      `CREATE TABLE rules (
         id serial PRIMARY KEY,
         tag_id int REFERENCES tags (id) ON DELETE CASCADE,
         assign_to_user int REFERENCES users (id) ON DELETE CASCADE,
         assign_to_group int,
         group_assign_method text,
         created_at timestamptz NOT NULL DEFAULT now())`,
      `CREATE TABLE rule_engine (
         id int PRIMARY KEY CHECK (id = 1),
         mode text NOT NULL DEFAULT 'default',
         url text,
         headers_enc text,
         secret_enc text,
         last_error text,
         last_error_at timestamptz)`,
      `INSERT INTO rule_engine (id) VALUES (1)`,
      `CREATE TABLE rule_events (
         id bigserial PRIMARY KEY,
         kind text NOT NULL,
         customer_wa_id text NOT NULL,
         provider_webhook_id bigint REFERENCES provider_webhooks (id) ON DELETE CASCADE,
         message_ids bigint[] NOT NULL DEFAULT '{}',
         event jsonb,
         attempts int NOT NULL DEFAULT 0,
         retry_at timestamptz,
         done_at timestamptz,
         outcome text,
         last_error text)`,
      `CREATE INDEX rule_events_pending_idx ON rule_events (id) WHERE done_at IS NULL`,
    ],
  },
];

/**
 * When a rule event and an assignment change happened, on one clock: an engine's answer to an
 * event older than the chat's last assignment change is not applied over it (a retried event
 * once undid newer assignments). clock_timestamp(), not now(): rows of one transaction differ.
 */
export const RULE_EVENT_ORDER_MIGRATIONS: Migration[] = [
  {
    name: '0018-rule-event-order',
    statements: [
      `ALTER TABLE rule_events ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()`,
      `ALTER TABLE chat_assignment_events ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp()`,
    ],
  },
];
