import './env';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import IORedis from 'ioredis';
import { loadConfig } from '../../libs/config/src';
import { recreateDatabase } from '../../libs/domain/src/migrate';

const INBOX_BUILD = 'dist/apps/inbox/main.js';

function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    return Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }, 0);
}

/** The local runtime runs the built inbox: build it when missing or older than its sources. */
function ensureInboxBuild(): void {
  const built = existsSync(INBOX_BUILD) ? statSync(INBOX_BUILD).mtimeMs : 0;
  if (built >= Math.max(newestSource('apps/inbox/src'), newestSource('libs/common/src'))) return;
  execFileSync('npx', ['nest', 'build', 'inbox'], { stdio: 'inherit' });
}

/** A fresh test database, migrated, and an empty Redis test database, once per run. */
export default async function globalSetup(): Promise<void> {
  ensureInboxBuild();
  const config = loadConfig();
  await recreateDatabase(config);
  const redis = new IORedis(config.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
}
