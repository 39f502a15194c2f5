import { DataSource } from 'typeorm';
import { sha256Hex } from '@app/common';
import { InboxConfig } from '../config/inbox-config';
import { ActivationCode, AuthToken, INBOX_ENTITIES, InboxUser } from './entities';
import { Identity1763790000000 } from './migrations/1763790000000-identity';

const MIGRATIONS = [Identity1763790000000];
/** Any constant works: it only has to be the same for every replica of this instance. */
const BOOT_LOCK_KEY = 727_003;

export function inboxDataSource(config: InboxConfig): DataSource {
  return new DataSource({
    type: 'postgres',
    url: config.DATABASE_URL,
    entities: INBOX_ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    extra: { max: config.DB_POOL_SIZE, connectionTimeoutMillis: 5000 },
  });
}

/**
 * Migrates and, on the very first boot only, creates the admin and configurator users. Holds a
 * session advisory lock throughout, so replicas booting at once take turns. Later boots find the
 * `identities` marker and change nothing: a password, token or user changed since is never reset.
 */
export async function bootDatabase(dataSource: DataSource, config: InboxConfig): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [BOOT_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.transaction(async (manager) => {
      const [marker] = await manager.query<unknown[]>(
        `INSERT INTO bootstrap_state (key) VALUES ('identities') ON CONFLICT DO NOTHING RETURNING key`,
      );
      if (!marker) return; // seeded on an earlier boot
      const admin = await manager.save(
        manager.create(InboxUser, {
          username: config.ADMIN_USERNAME,
          email: config.ADMIN_EMAIL ?? '',
          role: 'admin',
          isActive: false,
        }),
      );
      if (config.ADMIN_ACTIVATION_CODE_SHA256) {
        const expiresAt = new Date(Date.now() + config.ACTIVATION_CODE_TTL_HOURS * 3600_000);
        await manager.insert(ActivationCode, {
          codeSha256: config.ADMIN_ACTIVATION_CODE_SHA256,
          userId: admin.id,
          expiresAt,
          usedAt: null,
        });
      }
      if (config.CONFIGURATOR_USER_NAME && config.CONFIGURATOR_TOKEN_SHA256) {
        const configurator = await manager.save(
          manager.create(InboxUser, {
            username: config.CONFIGURATOR_USER_NAME,
            role: 'admin',
            isConfigurator: true,
            isActive: true,
          }),
        );
        await manager.insert(AuthToken, {
          userId: configurator.id,
          keySha256: config.CONFIGURATOR_TOKEN_SHA256,
          keyEnc: null,
        });
      }
    });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [BOOT_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

export const hashToken = (token: string): string => sha256Hex(token);
