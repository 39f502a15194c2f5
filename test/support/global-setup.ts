import './env';
import IORedis from 'ioredis';
import { loadConfig } from '../../libs/config/src';
import { recreateDatabase } from '../../libs/domain/src/migrate';
import { ensureBuild } from '../../scripts/ensure-build';

/** A fresh test database, migrated, and an empty Redis test database, once per run. */
export default async function globalSetup(): Promise<void> {
  ensureBuild(['inbox', 'worker', 'inbox-web']); // tests run these as real processes; instances serve the web inbox
  const config = loadConfig();
  await recreateDatabase(config);
  const redis = new IORedis(config.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}
