/**
 * `npm run bench:e2e`: N instances created at once through the Partner API (BENCH_INSTANCES,
 * default 20), on the local runtime. Per instance: POST → configurator token webhook received,
 * and the instance's own boot-to-healthy (process start → migrated, seeded and listening, as the
 * instance logs it). Prints p50/p95 of both and the control-plane overhead (their
 * difference, per instance). Targets (issue 4) at N = 20: overhead p50 ≤ 150 ms, POST → token
 * p50 ≤ 2 s. Runs the built apps (`npm run build` first); its own database and Redis database.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { dataSourceOptions, recreateDatabase } from '@app/domain';
import { TenantDatabases, spareScopeFor } from '@app/provisioning';
import { LocalRuntime } from '@app/runtime';
import { partnerAdmin } from '../test/support/api-harness';
import {
  REPO,
  childProcesses,
  machineBusySeconds,
  pad,
  postgresCpuSeconds,
  processCpuSeconds,
} from './support';

const N = Number(process.env.BENCH_INSTANCES ?? 20);
const STATE_DIR = resolve(REPO, '.local/bench-e2e');
const API_PORT = 3917;
const WORKER_HEALTH_PORT = 3918;
const env: Record<string, string> = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/partner_platform_bench_e2e',
  REDIS_URL: 'redis://127.0.0.1:6379/11',
  LOCAL_STATE_DIR: STATE_DIR,
  LOG_LEVEL: 'warn',
  PORT: String(API_PORT),
  SMTP_URL: 'smtp://127.0.0.1:1',
  WORKER_HEALTH_PORT: String(WORKER_HEALTH_PORT),
  // Sized for the burst, as an operator expecting N sign-ups at once would (README: benchmarks).
  TENANT_DATABASE_SPARES: process.env.TENANT_DATABASE_SPARES ?? String(N),
  LOCAL_WARM_INSTANCES: process.env.LOCAL_WARM_INSTANCES ?? String(N),
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function redisServerPid(): Promise<number> {
  const redis = new IORedis(env.REDIS_URL);
  const info = await redis.info('server');
  redis.disconnect();
  return Number(/process_id:(\d+)/.exec(info)?.[1] ?? 0);
}

/** The worker's own count of ready warm processes, from its /metrics. */
async function warmInstances(): Promise<number> {
  try {
    const metrics = await (await fetch(`http://127.0.0.1:${WORKER_HEALTH_PORT}/metrics`)).text();
    return Number(/^worker_local_warm_instances (\d+)/m.exec(metrics)?.[1] ?? 0);
  } catch {
    return 0; // not up yet
  }
}

function start(app: string): ChildProcess {
  return spawn(process.execPath, [resolve(REPO, `dist/apps/${app}/main.js`)], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function main(): Promise<void> {
  for (const app of ['partner-api', 'worker', 'inbox'])
    if (!existsSync(resolve(REPO, `dist/apps/${app}/main.js`))) throw new Error('run npm run build first');
  rmSync(STATE_DIR, { recursive: true, force: true });
  Object.assign(process.env, env); // this process, the API and the worker share one local secrets key
  const config = loadConfig();
  await recreateDatabase(config);
  const redis = new IORedis(env.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();
  const dataSource = await new DataSource(dataSourceOptions({ ...config, DB_POOL_SIZE: 2 })).initialize();
  const partner = await partnerAdmin(dataSource).createPartner(`bench${Date.now()}`, { instanceQuota: N });

  const tokenAt = new Map<string, number>();
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      tokenAt.set(req.url!.slice(1), performance.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const processes = [start('partner-api'), start('worker')];
  for (;;) {
    try {
      if ((await fetch(`http://127.0.0.1:${API_PORT}/health/live`)).status < 500) break;
    } catch {
      // not up yet
    }
    await sleep(50);
  }
  // Let the worker create its spare databases and warm processes, as a running platform would have.
  const databases = new TenantDatabases(config.TENANT_DATABASE_ADMIN_URL!, {
    spareScope: spareScopeFor(config.DATABASE_URL),
  });
  const deadline = Date.now() + 120_000;
  while ((await databases.spareCount()) < Number(env.TENANT_DATABASE_SPARES) && Date.now() < deadline)
    await sleep(100);
  while ((await warmInstances()) < Number(env.LOCAL_WARM_INSTANCES) && Date.now() < deadline)
    await sleep(100);
  await sleep(500);

  const runtime = new LocalRuntime(STATE_DIR);
  const standbyPids = childProcesses(processes[1].pid!); // the worker's warm inbox processes
  const redisPid = await redisServerPid();
  const cpuBefore = {
    machine: machineBusySeconds(),
    api: processCpuSeconds(processes[0].pid!),
    worker: processCpuSeconds(processes[1].pid!),
    instances: standbyPids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0),
    postgres: postgresCpuSeconds(),
    redis: processCpuSeconds(redisPid),
    bench: process.cpuUsage(),
  };
  const postedAt = new Map<string, number>();
  const ids: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${API_PORT}/v1/instances`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${partner.api_key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          d360_api_key: `benchKey${i}`,
          configurator: { user_name: 'bench', webhook_url: `${hookBase}/${i}` },
        }),
      });
      if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      postedAt.set(String(i), t0);
      ids[i] = id;
    }),
  );
  while (tokenAt.size < N && performance.now() - started < 120_000) await sleep(20);
  const elapsed = (performance.now() - started) / 1000;
  const instancePids = ids.flatMap((id) => runtime.processesOf(id));
  const cpu = {
    machine: machineBusySeconds() - cpuBefore.machine,
    api: processCpuSeconds(processes[0].pid!) - cpuBefore.api,
    worker: processCpuSeconds(processes[1].pid!) - cpuBefore.worker,
    // Warm processes loaded their code before the burst; that part is not counted.
    instances: instancePids.reduce((sum, pid) => sum + processCpuSeconds(pid), 0) - cpuBefore.instances,
    postgres: postgresCpuSeconds() - cpuBefore.postgres,
    redis: processCpuSeconds(redisPid) - cpuBefore.redis,
    bench: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage(cpuBefore.bench)),
  };
  // Each instance logs its own boot-to-healthy (start or hand-over → migrated, seeded, listening).
  const bootMs = new Map<string, number>();
  for (const id of ids) {
    const line = readFileSync(join(STATE_DIR, 'instances', `${id}.log`), 'utf8')
      .split('\n')
      .find((l) => l.includes('"boot_ms"'));
    if (line) bootMs.set(id, (JSON.parse(line) as { boot_ms: number }).boot_ms);
  }

  const toToken: number[] = [];
  const boots: number[] = [];
  const overheads: number[] = [];
  ids.forEach((id, i) => {
    const token = tokenAt.get(String(i));
    const boot = bootMs.get(id);
    if (token === undefined || boot === undefined) return;
    const total = token - postedAt.get(String(i))!;
    toToken.push(total);
    boots.push(boot);
    overheads.push(total - boot);
  });
  const row = (name: string, values: number[]) =>
    console.log(
      `${name.padEnd(28)} ${pad(Math.round(percentile(values, 50)), 7)} ${pad(Math.round(percentile(values, 95)), 7)}`,
    );
  console.log(
    `\n${N} instances created at once, ${env.TENANT_DATABASE_SPARES} spare databases, ${env.LOCAL_WARM_INSTANCES} warm processes; ${toToken.length} tokens received\n`,
  );
  console.log(`${''.padEnd(28)} ${pad('p50 ms', 7)} ${pad('p95 ms', 7)}`);
  row('POST → token webhook', toToken);
  row('instance boot → healthy', boots);
  row('control-plane overhead', overheads);
  console.log(`\ntargets: overhead p50 ≤ 150 ms, POST → token p50 ≤ 2000 ms`);
  const share = (seconds: number) =>
    `${seconds.toFixed(2)} CPU-s (${Math.round((100 * seconds) / cpu.machine)} %)`;
  console.log(
    `\nCPU during the burst (${elapsed.toFixed(2)} s wall, ${cpus().length} cores): machine busy ${cpu.machine.toFixed(2)} CPU-s;` +
      ` API ${share(cpu.api)}, worker ${share(cpu.worker)}, instances ${share(cpu.instances)},` +
      ` PostgreSQL ${share(cpu.postgres)}, Redis ${share(cpu.redis)}, this benchmark ${share(cpu.bench)}, other` +
      ` (kernel, other processes) ${share(cpu.machine - cpu.api - cpu.worker - cpu.instances - cpu.postgres - cpu.redis - cpu.bench)}`,
  );

  for (const p of processes) p.kill('SIGTERM');
  receiver.close();
  for (const id of ids) {
    await runtime.teardown(id);
    await databases.drop(id);
  }
  await dataSource.destroy();
  if (toToken.length < N) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
