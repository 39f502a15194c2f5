/**
 * `npm run bench:relay` (issue 14): 500 inbound messages/s for 30 s into one instance, relayed to
 * 10 subscribers, side by side with the same run without subscribers. Reports ingest latency (the
 * provider webhook's answer), relay lag (ingest sent → arrival at a receiver) and the instance's
 * RSS under load, and the CPU seconds each part used (instance, receivers, PostgreSQL, the load
 * generator, the whole machine), which tell whether the machine could have done it at all.
 * Targets: ingest p99 within 20 % of the run without subscribers, relay lag p99
 * ≤ 1 s, RSS ≤ 150 MB. Runs the built app (`npm run build` first). BENCH_RATE, BENCH_SECONDS,
 * BENCH_SUBSCRIBERS, BENCH_CHATS change the load; BENCH_RECEIVER_DELAY_MS makes each receiver answer
 * that late (RELAY_CONCURRENCY, passed to the instance, sets how many chats are posted at once).
 */
import { spawn } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import request from 'supertest';
import { createAppUser, createTenantDatabase, dropTenantDatabase } from '../test/support/inbox-harness';
import { Instance, MAIN, startInstance } from './inbox-instance';
import { machineBusySeconds, pad, postgresCpuSeconds, processCpuSeconds } from './support';
import { cloudTextWebhook } from '../test/support/fixtures';

const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 10);
const CHATS = Number(process.env.BENCH_CHATS ?? 200);
const TICK_MS = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;

function inbound(n: number): string {
  const chat = n % CHATS;
  return JSON.stringify(
    cloudTextWebhook({
      from: String(4916000000000 + chat),
      id: `wamid.bench.${n}`,
      text: `Message number ${n}, about an order`,
      name: `Customer ${chat}`,
    }),
  );
}

/** Deliveries still waiting, over every webhook of the instance. */
async function pending(instance: Instance): Promise<number> {
  const res = await request(instance.url)
    .get('/api/v1/waba_webhooks/?limit=100')
    .set('D360-API-KEY', instance.env.WABA_API_KEY);
  return (res.body.results as { delivery: { pending: number } }[]).reduce(
    (n, w) => n + w.delivery.pending,
    0,
  );
}

interface Receivers {
  ports: number[];
  pid: number;
  report: () => Promise<Record<string, number>[]>;
}

async function startReceivers(count: number): Promise<Receivers> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', resolve(__dirname, 'relay-receivers.ts')],
    {
      env: {
        ...process.env,
        RECEIVERS: String(count),
        RECEIVER_DELAY_MS: process.env.BENCH_RECEIVER_DELAY_MS ?? '0',
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const next = () => new Promise<string>((r) => lines.once('line', r));
  const { ports } = JSON.parse(await next()) as { ports: number[] };
  return {
    ports,
    pid: child.pid!,
    report: async () => {
      child.stdin.write('report\n');
      return (JSON.parse(await next()) as { arrivals: Record<string, number>[] }).arrivals;
    },
  };
}

interface RunResult {
  name: string;
  ingestP50: number;
  ingestP99: number;
  failed: number;
  lagP50: number;
  lagP99: number;
  delivered: number;
  expected: number;
  rssMax: number;
  /** CPU seconds used during the run (load and relay until done) by each part. */
  cpu: { instance: number; receivers: number; postgres: number; load: number; machine: number };
}

/** The provider's side: keep-alive connections, as a provider's sender would use (and cheaper than fetch here). */
const providerAgent = new Agent({ keepAlive: true, maxSockets: 64 });

function postWebhook(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        agent: providerAgent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function run(subscribers: number): Promise<RunResult> {
  const databaseUrl = await createTenantDatabase();
  const instance = await startInstance(databaseUrl, { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
  const receivers = subscribers ? await startReceivers(subscribers) : undefined;
  try {
    for (let i = 0; i < subscribers; i++) {
      const token = await createAppUser(
        () => request(instance.url),
        instance.secrets.configuratorToken,
        `sub${i}`,
      );
      await request(instance.url)
        .post('/api/v1/waba_webhooks/')
        .set('Authorization', `Token ${token}`)
        .send({ url: `http://127.0.0.1:${receivers!.ports[i]}/`, events: ['incoming_messages'] })
        .expect(201);
    }
    const webhookUrl = `${instance.url}/waba/webhook/${instance.env.WABA_WEBHOOK_SECRET}/`;
    const sentAt = new Map<string, number>();
    const latencies: number[] = [];
    let failed = 0;
    let rssMax = rssMb(instance.pid);
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(instance.pid))), 250);
    const cpuAtStart = {
      instance: processCpuSeconds(instance.pid),
      receivers: receivers ? processCpuSeconds(receivers.pid) : 0,
      postgres: postgresCpuSeconds(),
      load: process.cpuUsage(),
      machine: machineBusySeconds(),
    };
    const total = RATE * SECONDS;
    const perTick = (RATE * TICK_MS) / 1000;
    const started = Date.now();
    const inFlight: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      // Paced: message n leaves at its planned time, whatever the answers' speed (an open loop).
      const due = started + (n / perTick) * TICK_MS;
      if (due > Date.now()) await sleep(due - Date.now());
      const id = `wamid.bench.${n}`;
      const body = inbound(n);
      const sent = Date.now();
      sentAt.set(id, sent);
      inFlight.push(
        postWebhook(webhookUrl, body).then(
          (status) => {
            if (status === 200) latencies.push(Date.now() - sent);
            else failed++;
          },
          () => void failed++,
        ),
      );
    }
    await Promise.all(inFlight);
    const expected = subscribers * total;
    let arrivals: Record<string, number>[] = [];
    if (receivers) {
      // Let the relay finish (or give up after 60 s: what is missing counts as not delivered).
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await pending(instance)) > 0) await sleep(250);
    }
    clearInterval(sampler);
    const loadCpu = process.cpuUsage(cpuAtStart.load);
    const cpu = {
      instance: processCpuSeconds(instance.pid) - cpuAtStart.instance,
      receivers: receivers ? processCpuSeconds(receivers.pid) - cpuAtStart.receivers : 0,
      postgres: postgresCpuSeconds() - cpuAtStart.postgres,
      load: (loadCpu.user + loadCpu.system) / 1e6,
      machine: machineBusySeconds() - cpuAtStart.machine,
    };
    if (receivers) arrivals = await receivers.report();
    const lags: number[] = [];
    for (const seen of arrivals) for (const [id, at] of Object.entries(seen)) lags.push(at - sentAt.get(id)!);
    lags.sort((a, b) => a - b);
    latencies.sort((a, b) => a - b);
    return {
      name: subscribers ? `${subscribers} subscribers` : 'no subscribers',
      ingestP50: percentile(latencies, 50),
      ingestP99: percentile(latencies, 99),
      failed,
      lagP50: percentile(lags, 50),
      lagP99: percentile(lags, 99),
      delivered: lags.length,
      expected,
      rssMax,
      cpu,
    };
  } finally {
    await instance.stop();
    await dropTenantDatabase(databaseUrl);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  const baseline = await run(0);
  const relayed = await run(SUBSCRIBERS);
  const row = (r: RunResult) =>
    `${r.name.padEnd(16)} ${pad(r.ingestP50, 8)} ${pad(r.ingestP99, 8)} ${pad(r.failed, 7)} ${pad(
      Number.isNaN(r.lagP50) ? '-' : r.lagP50,
      8,
    )} ${pad(Number.isNaN(r.lagP99) ? '-' : r.lagP99, 8)} ${pad(`${r.delivered}/${r.expected}`, 14)} ${pad(r.rssMax.toFixed(1), 8)}`;
  process.stdout.write(
    `\nrelay: ${RATE} inbound messages/s for ${SECONDS} s over ${CHATS} chats, Node ${process.version}\n` +
      `${'run'.padEnd(16)} ${pad('ingest', 8)} ${pad('ingest', 8)} ${pad('failed', 7)} ${pad('lag', 8)} ${pad('lag', 8)} ${pad('delivered', 14)} ${pad('RSS max', 8)}\n` +
      `${''.padEnd(16)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('', 7)} ${pad('p50 ms', 8)} ${pad('p99 ms', 8)} ${pad('', 14)} ${pad('MB', 8)}\n` +
      `${row(baseline)}\n${row(relayed)}\n` +
      `targets: ingest p99 ≤ ${(baseline.ingestP99 * 1.2).toFixed(0)} ms (baseline + 20 %), lag p99 ≤ 1000 ms, RSS ≤ 150 MB, ` +
      `all ${relayed.expected} delivered\n` +
      `\nCPU seconds used from the first message until everything was relayed (2 cores: ${2 * SECONDS} CPU-s per ${SECONDS} s)\n` +
      `${'run'.padEnd(16)} ${pad('instance', 9)} ${pad('receivers', 10)} ${pad('postgres', 9)} ${pad('load', 6)} ${pad('machine', 8)}\n` +
      [baseline, relayed]
        .map(
          ({ name, cpu }) =>
            `${name.padEnd(16)} ${pad(cpu.instance.toFixed(1), 9)} ${pad(cpu.receivers.toFixed(1), 10)} ${pad(
              cpu.postgres.toFixed(1),
              9,
            )} ${pad(cpu.load.toFixed(1), 6)} ${pad(cpu.machine.toFixed(1), 8)}`,
        )
        .join('\n') +
      '\n',
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
