import './env';
import { Client } from 'pg';
import IORedis from 'ioredis';
import { loadConfig } from '../../libs/config/src';
import { runMigrations } from '../../libs/domain/src/migrate';

/** A fresh test database, migrated, and an empty Redis test database, once per run. */
export default async function globalSetup(): Promise<void> {
  const config = loadConfig();
  const url = new URL(config.DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = '/postgres';
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
  await runMigrations(config);
  const redis = new IORedis(config.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}
