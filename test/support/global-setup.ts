import './env';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { loadConfig } from '../../libs/config/src';
import { recreateDatabase } from '../../libs/domain/src/migrate';

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }, 0);
}

/** Apps tests run as real processes (built): rebuilt when missing or older than their sources. */
const BUILT_APPS: Record<string, string[]> = {
  inbox: ['apps/inbox/src', 'libs/common/src'],
  worker: ['apps/worker/src', 'libs'],
};

function ensureBuild(app: string, sources: string[]): void {
  const entry = `dist/apps/${app}/main.js`;
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  if (built >= Math.max(...sources.map(newestSource))) return;
  execFileSync('npx', ['nest', 'build', app], { stdio: 'inherit' });
}

/** A fresh test database, migrated, and an empty Redis test database, once per run. */
export default async function globalSetup(): Promise<void> {
  for (const [app, sources] of Object.entries(BUILT_APPS)) ensureBuild(app, sources);
  const config = loadConfig();
  await recreateDatabase(config);
  const redis = new IORedis(config.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}
