/**
 * `npm run bench:inbox-messages` (issue 12): one inbox instance (the built app, a process of its
 * own) at seed 002's scale.
 *  1. ingest: provider webhooks of one message each at BENCH_RATE/s (1,000) for BENCH_SECONDS (30),
 *     webhook answer p50/p99, webhook → websocket frame p50/p99 (an app user's socket), side by side
 *     with a bare Fastify handler that inserts the same row (bench/bare-ingest.ts).
 *  2. scale: a tenant database of 1,000,000 messages over 10,000 chats (COPY), then sequential
 *     requests: chats/?limit=20, messages/?wa_id=…&limit=20&before_time=…, messages/?search=<word>;
 *     p50/p99 and the query plans (EXPLAIN ANALYZE of the store's own SQL).
 * Targets: ≥ 1,000 msg/s, answer p99 ≤ 50 ms, frame p99 ≤ 100 ms; chats p99 ≤ 50 ms, thread page
 * p99 ≤ 20 ms, search p99 ≤ 300 ms. Run `npm run build` first. BENCH_SKIP=ingest|scale skips one.
 */
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { Client } from 'pg';
import WebSocket from 'ws';
import { freePort } from '@app/runtime';
import { RelayStore } from '../apps/inbox/src/relay/relay-store';
import { RuleEngineStore } from '../apps/inbox/src/rule-engine/rule-engine-store';
import { TokenCipher } from '../apps/inbox/src/identity/token-cipher';
import { ConversationStore } from '../apps/inbox/src/conversations/conversation-store';
import { InboxDb } from '../apps/inbox/src/persistence/inbox-db';
import { createTenantDatabase, dropTenantDatabase } from '../test/support/inbox-harness';
import { seedConversations } from '../test/support/seed-conversations';
import { cloudTextWebhook } from '../test/support/fixtures';
import { MAIN, startInstance, stopChild } from './inbox-instance';
import { LoadResult, load, machineBusySeconds, pad, processCpuSeconds, startTsProcess } from './support';

const RATE = Number(process.env.BENCH_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000);
const CHATS = Number(process.env.BENCH_CHATS ?? 10_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 300);
const SEARCH_WORD = 'refund';
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

/** One provider webhook (Cloud API shape) whose text carries the time it was sent. */
function webhookBody(n: number): string {
  return JSON.stringify(
    cloudTextWebhook({
      from: String(4915000000000 + (n % 1000)),
      id: `wamid.bench.${process.pid}.${n}`,
      text: `sent:${Date.now()}`,
      name: `Customer ${n % 1000}`,
    }),
  );
}

type IngestResult = LoadResult & { frames?: number[] };

let sent = 0;

/** Offered `rate` per second (0: as fast as it answers) for `seconds`. */
async function drive(name: string, url: string, rate: number, seconds: number): Promise<IngestResult> {
  return load(name, {
    url,
    method: 'POST',
    connections: 20,
    overallRate: rate > 0 ? rate : undefined,
    duration: seconds,
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: webhookBody(sent++) }) }],
  });
}

const CAPACITY_SECONDS = 10;
const PHASES = [
  { label: `${RATE}/s offered, ${SECONDS} s`, rate: RATE, seconds: SECONDS },
  { label: `capacity (no pacing), ${CAPACITY_SECONDS} s`, rate: 0, seconds: CAPACITY_SECONDS },
];

async function ingest(): Promise<void> {
  out(`\n1. ingest: one message per webhook, 20 connections`);
  const rows: IngestResult[] = [];
  // The bare handler first.
  const bareDb = await createTenantDatabase();
  const barePort = await freePort();
  const bare = startTsProcess('bench/bare-ingest.ts', { PORT: String(barePort), DATABASE_URL: bareDb });
  await waitHealthyPost(`http://127.0.0.1:${barePort}/waba/webhook/x/`);
  for (const phase of PHASES)
    rows.push(
      await drive(
        `bare Fastify + INSERT, ${phase.label}`,
        `http://127.0.0.1:${barePort}/waba/webhook/x/`,
        phase.rate,
        phase.seconds,
      ),
    );
  await stopChild(bare);
  await dropTenantDatabase(bareDb);

  const databaseUrl = await createTenantDatabase();
  const instance = await startInstance(databaseUrl);
  let latencies: number[] = [];
  const socket = new WebSocket(instance.url.replace('http', 'ws') + '/');
  await new Promise((r, j) => socket.once('open', r).once('error', j));
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; waba_payload?: { entry?: any[] } }; // eslint-disable-line @typescript-eslint/no-explicit-any
    const text = frame.waba_payload?.entry?.[0]?.changes?.[0]?.value?.messages?.[0]?.text?.body as
      string | undefined;
    if (frame.type === 'waba_webhook' && text?.startsWith('sent:'))
      latencies.push(Date.now() - Number(text.slice(5)));
  });
  socket.send(JSON.stringify({ token: instance.token }));
  await sleep(300);
  const usage: string[] = [];
  for (const phase of PHASES) {
    latencies = [];
    const before = [processCpuSeconds(instance.pid), machineBusySeconds(), Date.now()];
    const result = await drive(
      `inbox, ${phase.label}`,
      `${instance.url}/waba/webhook/${instance.env.WABA_WEBHOOK_SECRET}/`,
      phase.rate,
      phase.seconds,
    );
    const after = [processCpuSeconds(instance.pid), machineBusySeconds(), Date.now()];
    await sleep(1000);
    result.frames = latencies;
    rows.push(result);
    const wall = (after[2] - before[2]) / 1000;
    usage.push(
      `inbox, ${phase.label}: the inbox process used ${(((after[0] - before[0]) / wall) * 100).toFixed(0)}% of a core; the machine was ${(((after[1] - before[1]) / wall / cpus().length) * 100).toFixed(0)}% busy (${cpus().length} cores: load generator, inbox, PostgreSQL)`,
    );
  }
  socket.close();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const stored = Number((await db.query('SELECT count(*) AS n FROM messages')).rows[0].n);
  await db.end();
  await instance.stop();
  await dropTenantDatabase(databaseUrl);

  out(
    `${pad('', 48)} ${pad('msg/s', 6)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('non-2xx', 8)} ${pad('frame p50', 10)} ${pad('frame p99', 10)}`,
  );
  for (const r of rows)
    out(
      `${r.name.padEnd(48)} ${pad(r.rps.toFixed(0), 6)} ${pad(r.p50, 7)} ${pad(r.p99, 7)} ${pad(r.non2xx + r.errors, 8)} ${pad(r.frames ? quantile(r.frames, 0.5) : '-', 10)} ${pad(r.frames ? quantile(r.frames, 0.99) : '-', 10)}`,
    );
  const ratio = (i: number) => (rows[i + PHASES.length].rps / rows[i].rps).toFixed(2);
  out(`inbox / bare: ${PHASES.map((p, i) => `${ratio(i)} (${p.label})`).join(', ')}`);
  out(
    `messages stored: ${stored}, frames received: ${rows.slice(PHASES.length).reduce((n, r) => n + (r.frames?.length ?? 0), 0)}`,
  );
  for (const line of usage) out(line);
  out(`targets: ≥ 1000 msg/s, answer p99 ≤ 50 ms, webhook → websocket frame p99 ≤ 100 ms`);
}

async function waitHealthyPost(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: webhookBody(-1 - i),
      });
      return;
    } catch {
      await sleep(50);
    }
  }
}

async function timed(url: string, token: string, paths: () => string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const res = await fetch(`${url}${paths()}`, { headers: { Authorization: `Token ${token}` } });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${paths()} answered ${res.status}`);
    times.push(performance.now() - started);
  }
  return times;
}

/** The plan of the SQL the store runs for a call (captured, then EXPLAIN ANALYZE'd). */
async function plan(
  databaseUrl: string,
  call: (store: ConversationStore) => Promise<unknown>,
): Promise<string> {
  const db = new InboxDb();
  db.bind(databaseUrl, 1);
  const seen: { sql: string; params: unknown[] }[] = [];
  const query = db.query.bind(db);
  db.query = async (sql: string, params: unknown[] = []) => {
    seen.push({ sql, params });
    return query(sql, params);
  };
  await call(new ConversationStore(db, new RelayStore(db), new RuleEngineStore(db, new TokenCipher())));
  const { sql, params } = seen[0];
  const rows = await query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
  await db.close();
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

async function scale(): Promise<void> {
  out(`\n2. at seed 002's limit: ${MESSAGES} messages over ${CHATS} chats`);
  const databaseUrl = await createTenantDatabase();
  const instance = await startInstance(databaseUrl);
  try {
    out(await seedConversations(databaseUrl, { messages: MESSAGES, chats: CHATS, searchWord: SEARCH_WORD }));
    const now = Math.floor(Date.now() / 1000);
    let r = 7;
    const pick = (n: number) => (r = (r * 48271) % 2147483647) % n;
    const chat = () => String(4917000000000 + pick(CHATS));
    const cases: [string, () => string, number][] = [
      ['chats/?limit=20', () => '/api/v1/chats/?limit=20', 50],
      [
        'messages/?wa_id=…&limit=20&before_time=…',
        () => `/api/v1/messages/?wa_id=${chat()}&limit=20&before_time=${now - pick(60 * 86400)}`,
        20,
      ],
      [`messages/?search=${SEARCH_WORD}`, () => `/api/v1/messages/?search=${SEARCH_WORD}`, 300],
    ];
    out(
      `${pad('', 44)} ${pad('p50 ms', 7)} ${pad('p99 ms', 7)} ${pad('target', 7)}  (${QUERIES} sequential requests each, after 20 warm-up)`,
    );
    for (const [name, path, target] of cases) {
      await timed(instance.url, instance.token, path, 20);
      const times = await timed(instance.url, instance.token, path, QUERIES);
      out(
        `${name.padEnd(44)} ${pad(quantile(times, 0.5).toFixed(1), 7)} ${pad(quantile(times, 0.99).toFixed(1), 7)} ${pad(`≤ ${target}`, 7)}`,
      );
    }
    if (process.env.BENCH_PLANS !== '0') {
      const waId = chat();
      for (const [name, call] of [
        ['chats/?limit=20', (s: ConversationStore) => s.chats(1, {}, 20, 0)],
        [
          'messages/?wa_id&before_time',
          (s: ConversationStore) =>
            s.messages(1, { waId, beforeTime: now - 86400 * 30, limit: 20, offset: 0 }),
        ],
        [
          `messages/?search=${SEARCH_WORD}`,
          (s: ConversationStore) => s.messages(1, { search: SEARCH_WORD, limit: 20, offset: 0 }),
        ],
      ] as const) {
        out(`\n-- plan: ${name}\n${await plan(databaseUrl, call)}`);
      }
    }
  } finally {
    await instance.stop();
    await dropTenantDatabase(databaseUrl);
  }
}

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  out(
    `bench:inbox-messages, Node ${process.version}, PostgreSQL on 127.0.0.1, this machine's cores shared by all`,
  );
  if (process.env.BENCH_SKIP !== 'ingest') await ingest();
  if (process.env.BENCH_SKIP !== 'scale') await scale();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
