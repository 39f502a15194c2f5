import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, tokens, activation codes, web sessions and the one-time bootstrap marker. */
export class Identity1763790000000 implements MigrationInterface {
  name = 'Identity1763790000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
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
      )`);
    await q.query(`
      CREATE TABLE auth_tokens (
        user_id int PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        key_sha256 char(64) NOT NULL UNIQUE,
        key_enc text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE activation_codes (
        code_sha256 char(64) PRIMARY KEY,
        user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL,
        used_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE sessions (
        id_sha256 char(64) PRIMARY KEY,
        user_id int NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
    await q.query(
      `CREATE TABLE bootstrap_state (key text PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['bootstrap_state', 'sessions', 'activation_codes', 'auth_tokens', 'users'])
      await q.query(`DROP TABLE ${t}`);
  }
}
