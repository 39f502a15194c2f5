/**
 * Local mode's supervisor (`npm run start:local`): runs each component as a child process with
 * its output prefixed by its name, and restarts one that dies, saying so, after a pause that
 * doubles with each quick death (0.5 s … 30 s) and starts over once it has run for a minute.
 * SIGINT/SIGTERM stop every child (SIGTERM, then SIGKILL after 10 s), print SUPERVISOR_GOODBYE
 * when set, and exit. With SUPERVISOR_PID_FILE its pid is kept there while it runs (stop:local).
 * concurrently's restart (the kept alternative) has no cap and no reset: 2^n seconds forever.
 *
 * Usage: node -r ts-node/register/transpile-only scripts/supervise.ts name=entry.js [name=entry.js ...]
 */
import { ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const BACKOFF = { firstMs: 500, maxMs: 30_000, stableMs: 60_000 };

/** The pause before restart number `attempt` (1-based) of a process that keeps dying quickly. */
export const restartDelay = (attempt: number): number =>
  Math.min(BACKOFF.maxMs, BACKOFF.firstMs * 2 ** (attempt - 1));

const say = (message: string) => process.stdout.write(`[supervisor] ${message}\n`);

interface Supervised {
  name: string;
  /** A Node entry point (run with this Node, no shell in between: signals reach it). */
  entry: string;
  child?: ChildProcess;
  quickDeaths: number;
  timer?: NodeJS.Timeout;
}

/** Children write to a pipe (for the name prefix): tell them whether a person reads the terminal. */
const childEnv = {
  ...process.env,
  LOG_FORMAT: process.env.LOG_FORMAT ?? (process.stdout.isTTY ? 'pretty' : 'json'),
};

let stopping = false;
const supervised: Supervised[] = [];

function start(entry: Supervised): void {
  const startedAt = Date.now();
  const child = spawn(process.execPath, [entry.entry], { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  entry.child = child;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) =>
      process.stdout.write(`${entry.name} | ${line}\n`),
    );
  }
  child.on('exit', (code, signal) => {
    entry.child = undefined;
    if (stopping) return;
    const ranMs = Date.now() - startedAt;
    entry.quickDeaths = ranMs >= BACKOFF.stableMs ? 1 : entry.quickDeaths + 1;
    const delay = restartDelay(entry.quickDeaths);
    say(
      `${entry.name} exited (${signal ?? `code ${code}`}) after ${(ranMs / 1000).toFixed(1)} s; ` +
        `restarting in ${(delay / 1000).toFixed(1)} s (restart ${entry.quickDeaths} in a row)`,
    );
    entry.timer = setTimeout(() => {
      say(`restarting ${entry.name}`);
      start(entry);
    }, delay);
  });
}

function stopAll(signal: NodeJS.Signals): void {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping ${supervised.map((s) => s.name).join(', ')}`);
  for (const entry of supervised) {
    clearTimeout(entry.timer);
    entry.child?.kill('SIGTERM');
  }
  const force = setTimeout(() => {
    for (const entry of supervised) entry.child?.kill('SIGKILL');
  }, 10_000);
  const wait = setInterval(() => {
    if (supervised.some((s) => s.child)) return;
    clearInterval(wait);
    clearTimeout(force);
    if (process.env.SUPERVISOR_GOODBYE) say(process.env.SUPERVISOR_GOODBYE);
    if (process.env.SUPERVISOR_PID_FILE) rmSync(process.env.SUPERVISOR_PID_FILE, { force: true });
    process.exit(0);
  }, 100);
}

if (require.main === module) {
  for (const arg of process.argv.slice(2)) {
    const at = arg.indexOf('=');
    if (at < 1) throw new Error(`expected name=entry.js, got "${arg}"`);
    supervised.push({ name: arg.slice(0, at), entry: arg.slice(at + 1), quickDeaths: 0 });
  }
  if (process.env.SUPERVISOR_PID_FILE) writeFileSync(process.env.SUPERVISOR_PID_FILE, String(process.pid));
  process.on('SIGINT', () => stopAll('SIGINT'));
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  supervised.forEach(start);
}
