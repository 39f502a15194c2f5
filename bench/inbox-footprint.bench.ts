/**
 * `npm run bench:inbox`: one inbox instance's boot-to-healthy time (spawn → first 200 from the
 * health check, on a new database: migrations and first-boot users included) and its idle RSS.
 * Targets (issue 3): ≤ 1.5 s and ≤ 80 MB. Runs the built app (`npm run build` first). BENCH_RUNS (default 5).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { INBOX_NODE_OPTIONS } from '@app/bootstrap';
import { bootstrapEnv, createTenantDatabase, dropTenantDatabase } from '../test/support/inbox-harness';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MAIN = resolve(__dirname, '../dist/apps/inbox/main.js');
/** As shipped (see runtime-options.ts); override with NODE_OPTIONS to compare. */
const NODE_OPTIONS = process.env.NODE_OPTIONS ?? INBOX_NODE_OPTIONS;

const statusMb = (pid: number, field: string) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(run: number): Promise<{ bootMs: number; rss: number; anon: number }> {
  const databaseUrl = await createTenantDatabase();
  const port = 31000 + run;
  const { env } = bootstrapEnv(databaseUrl, { PORT: String(port), LOG_LEVEL: 'warn' });
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, ...env, NODE_OPTIONS },
    stdio: 'inherit',
  });
  try {
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/api/v1/status/health`)).status === 200) break;
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
    const bootMs = Number(process.hrtime.bigint() - started) / 1e6;
    await sleep(3000); // idle
    return { bootMs, rss: statusMb(child.pid!, 'VmRSS'), anon: statusMb(child.pid!, 'RssAnon') };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await dropTenantDatabase(databaseUrl);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const results = [];
  for (let run = 0; run < RUNS; run++) results.push(await once(run));
  const boots = results.map((r) => r.bootMs).sort((a, b) => a - b);
  const rss = results.map((r) => r.rss).sort((a, b) => a - b);
  const anon = results.map((r) => r.anon).sort((a, b) => a - b);
  const median = (xs: number[]) => xs[Math.floor(xs.length / 2)];
  process.stdout.write(
    `\ninbox footprint, ${RUNS} runs (new database each), Node ${process.version}, NODE_OPTIONS=${NODE_OPTIONS}\n`,
  );
  process.stdout.write(
    `boot-to-healthy ms: median ${median(boots).toFixed(0)}, max ${boots[boots.length - 1].toFixed(0)}  (target ≤ 1500)\n`,
  );
  process.stdout.write(
    `idle RSS MB:        median ${median(rss).toFixed(1)}, max ${rss[rss.length - 1].toFixed(1)}  (target ≤ 80)\n`,
  );
  // File-backed pages (the node binary, shared by every instance on a machine) are most of the RSS.
  process.stdout.write(
    `  of which private (RssAnon): median ${median(anon).toFixed(1)}, max ${anon[anon.length - 1].toFixed(1)}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
