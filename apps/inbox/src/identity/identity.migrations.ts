import type { Migration } from '../persistence/migrations';

/** Users, tokens, activation codes, sessions (the identity core). */
export const IDENTITY_MIGRATIONS: Migration[] = [
  {
    name: '0001-identity',
    statements: [
      `CREATE TABLE users (
        id serial PRIMARY KEY,
        username text NOT NULL UNIQUE,
        email text NOT NULL DEFAULT '',
        first_name text NOT NULL DEFAULT '',
        last_name text NOT NULL DEFAULT '',
        role text NOT NULL CHECK (role IN ('admin', 'user', 'app')),
        is_configurator boolean NOT NULL DEFAULT false,
        is_active boolean NOT NULL DEFAULT false,
        password_hash text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`,
      // One token per user (DRF); looked up by hash, kept encrypted to answer it again.
      `CREATE TABLE auth_tokens (
        user_id int PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        key_sha256 char(64) NOT NULL UNIQUE,
        key_enc text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      `CREATE TABLE activation_codes (
        code_sha256 char(64) PRIMARY KEY,
        user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`,
      `CREATE TABLE sessions (
        id_sha256 char(64) PRIMARY KEY,
        user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`,
      `CREATE TABLE bootstrap_state (key text PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())`,
    ],
  },
];
