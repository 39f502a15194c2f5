/** The built inbox as a process of its own for the benchmarks, with an `app` user's token. */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import request from 'supertest';
import { INBOX_NODE_OPTIONS } from '@app/bootstrap';
import { freePort } from '@app/runtime';
import { TenantSecrets, bootstrapEnv, createAppUser } from '../test/support/inbox-harness';

export const MAIN = resolve(__dirname, '../dist/apps/inbox/main.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Instance {
  url: string;
  env: Record<string, string>;
  secrets: TenantSecrets;
  token: string;
  pid: number;
  stop: () => Promise<void>;
}

async function waitHealthy(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} never became healthy`);
}

export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

export async function startInstance(
  databaseUrl: string,
  overrides: Record<string, string> = {},
): Promise<Instance> {
  const port = await freePort();
  const { env, secrets } = bootstrapEnv(databaseUrl, {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
    LISTEN_HOST: '127.0.0.1',
    ...overrides,
  });
  const profile = process.env.BENCH_CPU_PROFILE
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE}`]
    : [];
  const child = spawn(process.execPath, [...profile, MAIN], {
    env: { ...process.env, ...env, NODE_OPTIONS: INBOX_NODE_OPTIONS },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHealthy(`${url}/api/v1/status/health`);
  const token = await createAppUser(() => request(url), secrets.configuratorToken, 'bench');
  return { url, env, secrets, token, pid: child.pid!, stop: () => stopChild(child) };
}
