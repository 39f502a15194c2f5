import { BootstrapEnv } from '@app/bootstrap';
import { InboxDb } from './inbox-db';
import { MIGRATIONS } from './migrations';

/** Any constant works: it only has to be the same for every replica of this instance. */
const BOOT_LOCK_KEY = 727_003;

/**
 * Migrates and, on the very first boot only, creates the admin and configurator users. Holds a
 * session advisory lock throughout, so replicas booting at once take turns. Later boots find the
 * `identities` marker and change nothing: a password, token or user changed since is never reset.
 */
export async function bootDatabase(db: InboxDb, config: BootstrapEnv): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [BOOT_LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const applied = new Set(
      (await client.query<{ name: string }>('SELECT name FROM migrations')).rows.map((r) => r.name),
    );
    for (const migration of MIGRATIONS.filter((m) => !applied.has(m.name))) {
      await client.query('BEGIN');
      for (const statement of migration.statements) await client.query(statement);
      await client.query('INSERT INTO migrations (name) VALUES ($1)', [migration.name]);
      await client.query('COMMIT');
    }
    await seedIdentities(db, config);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [BOOT_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}

async function seedIdentities(db: InboxDb, config: BootstrapEnv): Promise<void> {
  await db.transaction(async (tx) => {
    const marker = await tx.query(
      `INSERT INTO bootstrap_state (key) VALUES ('identities') ON CONFLICT DO NOTHING RETURNING key`,
    );
    if (marker.rowCount === 0) return; // seeded on an earlier boot
    const admin = await tx.query<{ id: number }>(
      `INSERT INTO users (username, email, role, is_active) VALUES ($1, $2, 'admin', false) RETURNING id`,
      [config.ADMIN_USERNAME, config.ADMIN_EMAIL ?? ''],
    );
    if (config.ADMIN_ACTIVATION_CODE_SHA256) {
      await tx.query(
        `INSERT INTO activation_codes (code_sha256, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`,
        [config.ADMIN_ACTIVATION_CODE_SHA256, admin.rows[0].id, config.ACTIVATION_CODE_TTL_HOURS],
      );
    }
    if (config.CONFIGURATOR_USER_NAME && config.CONFIGURATOR_TOKEN_SHA256) {
      const configurator = await tx.query<{ id: number }>(
        `INSERT INTO users (username, role, is_configurator, is_active) VALUES ($1, 'admin', true, true) RETURNING id`,
        [config.CONFIGURATOR_USER_NAME],
      );
      await tx.query(`INSERT INTO auth_tokens (user_id, key_sha256, key_enc) VALUES ($1, $2, NULL)`, [
        configurator.rows[0].id,
        config.CONFIGURATOR_TOKEN_SHA256,
      ]);
    }
  });
}
