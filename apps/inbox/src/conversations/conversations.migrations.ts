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

/**
 * Seed 002's scale (1,000,000 messages): unread counts from an index of inbound messages, and
 * `ILIKE '%word%'` through trigram indexes (pg_trgm is a trusted extension: the tenant's own role,
 * owner of its database, may create it). Plans: docs/inbox-query-plans.md.
 */
export const SEARCH_MIGRATIONS: Migration[] = [
  {
    name: '0006-search-and-unread',
    statements: [
      // new_messages counts a chat's inbound messages after the user's mark from this index alone.
      `CREATE INDEX messages_inbound_idx ON messages (customer_wa_id, timestamp) WHERE NOT from_us`,
      `CREATE EXTENSION IF NOT EXISTS pg_trgm`,
      `CREATE INDEX messages_text_trgm_idx ON messages USING gin (body_text gin_trgm_ops)`,
      `CREATE INDEX contacts_name_trgm_idx ON contacts USING gin (profile_name gin_trgm_ops)`,
    ],
  },
];

/**
 * The ingest of one provider webhook as one statement (docs/inbox.md, "Ingest in one round trip"):
 * the raw body, contacts, messages (deduplicated by the provider's id; a received file's row in
 * `media`), the chat's activity, statuses (kept aside while their message is unknown) and the
 * NOTIFY, atomically. The NOTIFY carries the body itself when it fits (8 kB cap), else its id.
 */
export const INGEST_MIGRATIONS: Migration[] = [
  {
    name: '0007-ingest-function',
    statements: [
      `CREATE OR REPLACE FUNCTION inbox_ingest(p_body jsonb, p_contacts jsonb, p_messages jsonb, p_statuses jsonb)
       RETURNS bigint LANGUAGE plpgsql AS $fn$
       DECLARE
         webhook_id bigint;
         c jsonb;
         m jsonb;
         s jsonb;
         stored_id bigint;
         ts bigint;
         arrived jsonb;
         event text;
       BEGIN
         INSERT INTO provider_webhooks (body) VALUES (p_body) RETURNING id INTO webhook_id;
         FOR c IN SELECT value FROM jsonb_array_elements(p_contacts) LOOP
           INSERT INTO contacts (wa_id, profile_name) VALUES (c->>'wa_id', c->>'name')
           ON CONFLICT (wa_id) DO UPDATE
             SET profile_name = COALESCE(NULLIF(EXCLUDED.profile_name, ''), contacts.profile_name);
         END LOOP;
         FOR m IN SELECT value FROM jsonb_array_elements(p_messages) LOOP
           ts := (m->>'timestamp')::bigint;
           INSERT INTO contacts (wa_id) VALUES (m->>'from') ON CONFLICT DO NOTHING;
           stored_id := NULL;
           INSERT INTO messages (wa_message_id, customer_wa_id, from_us, type, timestamp, waba_payload, body_text, media_id)
           VALUES (m->>'id', m->>'from', false, m->>'type', ts, m->'payload', m->>'text', m->>'media_id')
           ON CONFLICT (wa_message_id) DO NOTHING RETURNING id INTO stored_id;
           CONTINUE WHEN stored_id IS NULL;
           IF m->>'media_id' IS NOT NULL THEN
             INSERT INTO media (id, provider_media_id, mime_type, sha256)
             VALUES ((m->>'media_id')::uuid, m->>'provider_media_id', m->>'mime_type', m->>'sha256');
           END IF;
           UPDATE contacts SET
             last_message_id = CASE WHEN ts >= last_message_timestamp THEN stored_id ELSE last_message_id END,
             last_message_timestamp = GREATEST(last_message_timestamp, ts),
             last_inbound_timestamp = GREATEST(COALESCE(last_inbound_timestamp, 0), ts)
           WHERE wa_id = m->>'from';
           WITH early AS (DELETE FROM early_statuses WHERE wa_message_id = m->>'id' RETURNING status, timestamp)
           SELECT jsonb_object_agg(status, timestamp) INTO arrived FROM early;
           IF arrived IS NOT NULL THEN
             UPDATE messages SET waba_statuses = waba_statuses || arrived WHERE id = stored_id;
           END IF;
         END LOOP;
         FOR s IN SELECT value FROM jsonb_array_elements(p_statuses) LOOP
           UPDATE messages SET waba_statuses = waba_statuses || jsonb_build_object(s->>'status', (s->>'timestamp')::bigint)
            WHERE wa_message_id = s->>'id';
           IF NOT FOUND THEN
             INSERT INTO early_statuses (wa_message_id, status, timestamp)
             VALUES (s->>'id', s->>'status', (s->>'timestamp')::bigint) ON CONFLICT DO NOTHING;
           END IF;
         END LOOP;
         event := jsonb_build_object('webhook', webhook_id, 'body', p_body)::text;
         IF octet_length(event) > 7900 THEN
           event := jsonb_build_object('webhook', webhook_id)::text;
         END IF;
         PERFORM pg_notify('inbox_events', event);
         RETURN webhook_id;
       END
       $fn$`,
    ],
  },
];

/** Sends whose provider answer was never recorded (the process died meanwhile): found at boot. */
export const PENDING_SEND_MIGRATIONS: Migration[] = [
  {
    name: '0019-pending-sends',
    statements: [
      `CREATE INDEX messages_pending_send_idx ON messages (id) WHERE from_us AND wa_message_id IS NULL`,
    ],
  },
];
