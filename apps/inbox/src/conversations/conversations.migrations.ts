import type { Migration } from '../persistence/migrations';

/** Contacts, messages and their statuses, what each user has received, and the provider's webhooks. */
export const CONVERSATION_MIGRATIONS: Migration[] = [
  {
    name: '0002-conversations',
    statements: [
      // One per customer (seed 002's chat and person); activity columns keep chats/ an index scan.
      `CREATE TABLE contacts (
        wa_id text PRIMARY KEY,
        profile_name text NOT NULL DEFAULT '',
        last_message_timestamp bigint NOT NULL DEFAULT 0,
        last_inbound_timestamp bigint,
        last_message_id bigint
      )`,
      `CREATE INDEX contacts_activity_idx ON contacts (last_message_timestamp DESC, wa_id)`,
      `CREATE TABLE messages (
        id bigserial PRIMARY KEY,
        wa_message_id text UNIQUE,
        customer_wa_id text NOT NULL REFERENCES contacts (wa_id),
        from_us boolean NOT NULL,
        type text NOT NULL,
        timestamp bigint NOT NULL,
        waba_payload jsonb NOT NULL,
        waba_statuses jsonb NOT NULL DEFAULT '{}',
        sender_id int REFERENCES users (id) ON DELETE SET NULL,
        body_text text,
        media_id text,
        client_ref uuid UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE INDEX messages_chat_idx ON messages (customer_wa_id, timestamp DESC, id DESC)`,
      // Statuses can arrive before the message they are about (providers do not order them).
      `CREATE TABLE early_statuses (
        wa_message_id text NOT NULL,
        status text NOT NULL,
        timestamp bigint NOT NULL,
        PRIMARY KEY (wa_message_id, status)
      )`,
      // Per user: everything in the chat up to `timestamp` is received (seed 002's mark).
      `CREATE TABLE received_marks (
        user_id int NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        customer_wa_id text NOT NULL,
        timestamp bigint NOT NULL,
        PRIMARY KEY (user_id, customer_wa_id)
      )`,
      // Each provider webhook as received: the websocket's waba_webhook frames are read from here.
      `CREATE TABLE provider_webhooks (
        id bigserial PRIMARY KEY,
        body jsonb NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];
