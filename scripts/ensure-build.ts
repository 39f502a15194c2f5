/**
 * Builds the apps that run as separate processes (`node dist/apps/<app>/main.js`) when their
 * build is missing or older than their sources. Used by the test setup and `npm run start:local`.
 * Usage: ts-node scripts/ensure-build.ts [app ...]   (no app: all of them)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** Each app and the source folders its build depends on. */
export const APP_SOURCES: Record<string, string[]> = {
  'partner-api': ['apps/partner-api/src', 'libs'],
  worker: ['apps/worker/src', 'libs'],
  inbox: ['apps/inbox/src', 'libs/common/src', 'libs/bootstrap/src'],
  gateway: ['apps/gateway/src', 'libs'],
  'mail-catcher': ['apps/mail-catcher/src'],
  'waba-sandbox': ['apps/waba-sandbox/src'],
  cli: ['apps/cli/src', 'libs'],
  'inbox-web': ['apps/inbox-web'],
};

/** Static front-ends: built by Vite (`npm run build:web`), their entry is the page. */
const STATIC_BUILDS: Record<string, { entry: string; command: string[] }> = {
  'inbox-web': { entry: 'dist/apps/inbox-web/index.html', command: ['npm', 'run', 'build:web'] },
};

/** The newest modification among the sources a build uses (specs are not built). */
function newestSource(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((newest, entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return Math.max(newest, newestSource(path));
    return entry.name.endsWith('.spec.ts') ? newest : Math.max(newest, statSync(path).mtimeMs);
  }, 0);
}

export function ensureBuild(apps: string[] = Object.keys(APP_SOURCES)): void {
  for (const app of apps) {
    const build = STATIC_BUILDS[app] ?? {
      entry: `dist/apps/${app}/main.js`,
      command: ['npx', 'nest', 'build', app],
    };
    const entry = join(ROOT, build.entry);
    const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
    if (built >= Math.max(...APP_SOURCES[app].map((dir) => newestSource(join(ROOT, dir))))) continue;
    process.stderr.write(`building ${app}...\n`);
    execFileSync(build.command[0], build.command.slice(1), {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    // webpack leaves an unchanged output file alone (compareBeforeEmit): mark the build as fresh.
    const now = new Date();
    utimesSync(entry, now, now);
  }
}

if (require.main === module) ensureBuild(process.argv.slice(2).length ? process.argv.slice(2) : undefined);
