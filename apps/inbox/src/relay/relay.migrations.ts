import type { Migration } from '../persistence/migrations';

/**
 * The relay's durable outbox (docs/relay.md): one row per delivery to one webhook, written in the
 * transaction that stored its cause; a lane (the chat) is delivered in row order, and a lane whose
 * head failed waits until `retry_at`. The provider's raw body is kept so it is relayed byte for byte.
 */
export const RELAY_MIGRATIONS: Migration[] = [
  {
    name: '0010-relay',
    statements: [
      `ALTER TABLE provider_webhooks ADD COLUMN raw text`,
      `CREATE TABLE relay_deliveries (
         id bigserial PRIMARY KEY,
         webhook_id int NOT NULL REFERENCES waba_webhooks (id) ON DELETE CASCADE,
         lane text NOT NULL,
         kind text NOT NULL,
         provider_webhook_id bigint REFERENCES provider_webhooks (id) ON DELETE CASCADE,
         message_ids bigint[] NOT NULL DEFAULT '{}',
         event jsonb,
         attempts int NOT NULL DEFAULT 0,
         last_error text,
         created_at timestamptz NOT NULL DEFAULT now(),
         done_at timestamptz,
         outcome text)`,
      `CREATE INDEX relay_pending_idx ON relay_deliveries (webhook_id, id) WHERE done_at IS NULL`,
      `CREATE INDEX relay_done_idx ON relay_deliveries (done_at) WHERE done_at IS NOT NULL`,
      `CREATE TABLE relay_lanes (
         webhook_id int NOT NULL REFERENCES waba_webhooks (id) ON DELETE CASCADE,
         lane text NOT NULL,
         retry_at timestamptz NOT NULL,
         PRIMARY KEY (webhook_id, lane))`,
    ],
  },
];

/**
 * The relay's part of ingest, called in the ingest's own statement (so in its transaction): a
 * provider webhook that stored new messages goes to every incoming_messages subscriber, to the
 * chat's assignee if it wants assigned_messages, and to the rule engine; one with only statuses to
 * subscribers of incoming or outgoing messages; a redelivery of known messages to none. Messages
 * this transaction stored have created_at = now(), the transaction's start. The raw body is kept
 * only when someone will receive it. After RULE_ENGINE_MIGRATIONS (it writes rule_events).
 */
export const RELAY_FUNCTION_MIGRATIONS: Migration[] = [
  {
    name: '0014-relay-function',
    statements: [
      `CREATE FUNCTION relay_provider_webhook(p_webhook bigint, p_lane text, p_message_ids text[], p_statuses boolean, p_raw text)
       RETURNS bigint LANGUAGE plpgsql AS $fn$
       DECLARE
         wanted text[];
         fresh boolean;
       BEGIN
         fresh := EXISTS (SELECT 1 FROM messages WHERE wa_message_id = ANY (p_message_ids) AND created_at = now());
         IF fresh THEN
           wanted := ARRAY['incoming_messages'];
           INSERT INTO rule_events (kind, customer_wa_id, provider_webhook_id) VALUES ('incoming', p_lane, p_webhook);
           UPDATE provider_webhooks SET raw = p_raw WHERE id = p_webhook;
           PERFORM pg_notify('inbox_relay', '');
         ELSIF p_statuses THEN
           wanted := ARRAY['incoming_messages', 'outgoing_messages'];
         ELSE
           RETURN p_webhook;
         END IF;
         INSERT INTO relay_deliveries (webhook_id, lane, kind, provider_webhook_id)
         SELECT id, p_lane, 'provider', p_webhook FROM waba_webhooks
          WHERE events && wanted
             OR (fresh AND 'assigned_messages' = ANY (events)
                 AND user_id = (SELECT assigned_user_id FROM contacts WHERE wa_id = p_lane))
          ORDER BY id;
         IF FOUND THEN
           UPDATE provider_webhooks SET raw = p_raw WHERE id = p_webhook;
           PERFORM pg_notify('inbox_relay', '');
         END IF;
         RETURN p_webhook;
       END
       $fn$`,
    ],
  },
];

/**
 * The same function, writing a rule event only when an engine listens (a custom engine with a URL,
 * or at least one rule: otherwise every inbound message left a row that the pump then read and
 * closed for nothing), and keeping the raw body with one UPDATE (it was two for a fresh message).
 * Events are seen by the rules of their time: rules and an engine apply to messages after them.
 */
export const RELAY_FUNCTION_LISTENING_MIGRATIONS: Migration[] = [
  {
    name: '0016-relay-function-rule-engine-listens',
    statements: [
      `CREATE FUNCTION rule_engine_listens() RETURNS boolean LANGUAGE sql STABLE AS $fn$
         SELECT EXISTS (SELECT 1 FROM rule_engine WHERE mode = 'custom' AND url IS NOT NULL)
             OR EXISTS (SELECT 1 FROM rules)
       $fn$`,
      `CREATE OR REPLACE FUNCTION relay_provider_webhook(p_webhook bigint, p_lane text, p_message_ids text[], p_statuses boolean, p_raw text)
       RETURNS bigint LANGUAGE plpgsql AS $fn$
       DECLARE
         wanted text[];
         fresh boolean;
         engine boolean := false;
       BEGIN
         fresh := EXISTS (SELECT 1 FROM messages WHERE wa_message_id = ANY (p_message_ids) AND created_at = now());
         IF fresh THEN
           wanted := ARRAY['incoming_messages'];
           IF rule_engine_listens() THEN
             INSERT INTO rule_events (kind, customer_wa_id, provider_webhook_id) VALUES ('incoming', p_lane, p_webhook);
             engine := true;
           END IF;
         ELSIF p_statuses THEN
           wanted := ARRAY['incoming_messages', 'outgoing_messages'];
         ELSE
           RETURN p_webhook;
         END IF;
         INSERT INTO relay_deliveries (webhook_id, lane, kind, provider_webhook_id)
         SELECT id, p_lane, 'provider', p_webhook FROM waba_webhooks
          WHERE events && wanted
             OR (fresh AND 'assigned_messages' = ANY (events)
                 AND user_id = (SELECT assigned_user_id FROM contacts WHERE wa_id = p_lane))
          ORDER BY id;
         IF FOUND OR engine THEN
           UPDATE provider_webhooks SET raw = p_raw WHERE id = p_webhook;
           PERFORM pg_notify('inbox_relay', '');
         END IF;
         RETURN p_webhook;
       END
       $fn$`,
    ],
  },
];
