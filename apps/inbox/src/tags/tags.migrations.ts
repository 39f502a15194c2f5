import type { Migration } from '../persistence/migrations';

/**
 * Seed 002's tags: chats and messages tagged (a pair at most once; tagging a message tags its chat),
 * and the history of every change (events keep the tag as it was, and who did it).
 */
export const TAG_MIGRATIONS: Migration[] = [
  {
    name: '0011-tags',
    statements: [
      `CREATE TABLE tags (
         id serial PRIMARY KEY,
         name text NOT NULL UNIQUE,
         web_inbox_color text)`,
      `CREATE TABLE chat_taggings (
         id serial PRIMARY KEY,
         tag_id int NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
         customer_wa_id text NOT NULL REFERENCES contacts (wa_id),
         extra jsonb,
         UNIQUE (customer_wa_id, tag_id))`,
      `CREATE TABLE message_taggings (
         id serial PRIMARY KEY,
         tag_id int NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
         message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
         extra jsonb,
         UNIQUE (message_id, tag_id))`,
      `CREATE TABLE tagging_events (
         id bigserial PRIMARY KEY,
         kind text NOT NULL,
         timestamp bigint NOT NULL,
         action text NOT NULL,
         tag jsonb NOT NULL,
         customer_wa_id text NOT NULL,
         wa_message_id text,
         extra jsonb,
         done_by int REFERENCES users (id) ON DELETE SET NULL)`,
      `CREATE INDEX tagging_events_chat_idx ON tagging_events (kind, customer_wa_id, timestamp, id)`,
    ],
  },
];

/** Seed 002's `extra` on a tag itself (taggings had theirs from the start). */
export const TAG_EXTRA_MIGRATIONS: Migration[] = [
  { name: '0017-tag-extra', statements: [`ALTER TABLE tags ADD COLUMN extra jsonb`] },
];
