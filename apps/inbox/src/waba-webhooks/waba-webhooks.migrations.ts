import type { Migration } from '../persistence/migrations';

/** Seed 002's per-user webhooks: one per user, the events it wants; headers and signing secret encrypted (they may hold credentials). */
export const WABA_WEBHOOK_MIGRATIONS: Migration[] = [
  {
    name: '0009-waba-webhooks',
    statements: [
      `CREATE TABLE waba_webhooks (
         id serial PRIMARY KEY,
         user_id int NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
         url text NOT NULL,
         headers_enc text NOT NULL,
         events text[] NOT NULL,
         secret_enc text NOT NULL,
         -- How its deliveries go, for its owner and admins (kept up by the relay).
         given_up int NOT NULL DEFAULT 0,
         last_error text,
         last_error_at timestamptz,
         last_delivered_at timestamptz,
         created_at timestamptz NOT NULL DEFAULT now(),
         updated_at timestamptz NOT NULL DEFAULT now())`,
    ],
  },
];
