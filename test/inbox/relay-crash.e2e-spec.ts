/**
 * kill -9 of the instance in the middle of relaying, and in the middle of calling a custom rule
 * engine (its outbox rides on the same pump): every delivery and every event still arrives after
 * the restart, in order per chat, and one that arrives twice (its 2xx was lost with the process)
 * carries the same webhook-id both times.
 */
import { Client } from 'pg';
import { cloudTextWebhook } from '../support/fixtures';
import { startReceiver } from '../support/http-receiver';
import {
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInboxProcess,
} from '../support/inbox-harness';
import { waitFor } from '../support/wait';

const CHATS = 3;
const PER_CHAT = 15;

const inbound = (chat: number, n: number) =>
  JSON.stringify(
    cloudTextWebhook({
      from: `49155000000${chat}`,
      id: `wamid.c${chat}.${String(n).padStart(3, '0')}`,
      text: `${chat}/${n}`,
      name: `Chat ${chat}`,
      timestamp: 1_760_000_000 + n,
    }),
  );

interface Arrival {
  webhookId: string;
  message: string;
}

/** Nothing lost, a repeat only under its first webhook-id, each chat's messages first arriving in order. */
function expectAllOnceInOrder(arrivals: Arrival[]): void {
  expect(new Set(arrivals.map((a) => a.message)).size).toBe(CHATS * PER_CHAT);
  const idOf = new Map<string, string>();
  for (const a of arrivals) {
    expect(idOf.get(a.message) ?? a.webhookId).toBe(a.webhookId);
    idOf.set(a.message, a.webhookId);
  }
  for (let chat = 1; chat <= CHATS; chat++) {
    const firsts = [
      ...new Set(arrivals.map((a) => a.message).filter((m) => m.startsWith(`wamid.c${chat}.`))),
    ];
    expect(firsts).toEqual([...firsts].sort());
  }
}

/** Posts every chat's messages, interleaved, as the provider would. */
async function providerSendsAll(url: string, secret: string): Promise<void> {
  for (let n = 1; n <= PER_CHAT; n++)
    for (let chat = 1; chat <= CHATS; chat++) {
      const res = await fetch(`${url}/waba/webhook/${secret}/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: inbound(chat, n),
      });
      expect(res.status).toBe(200);
    }
}

interface CrashScenario {
  /** Configures the receiver on the running instance, as an admin would (answers the HTTP status). */
  connect: (url: string, asAdmin: Record<string, string>, receiverUrl: string) => Promise<number>;
  /** The outbox table, and the outcome all its rows must end with. */
  table: 'relay_deliveries' | 'rule_events';
  outcome: string;
}

/**
 * The provider sends everything; the instance is killed (-9) once the receiver (answering after
 * 50 ms, so that calls are in flight) has some; after a restart the outbox empties with every row
 * in `outcome`, and the receiver got each message once at least, in order, under one webhook-id.
 */
async function survivesKill({ connect, table, outcome }: CrashScenario, answer = ''): Promise<void> {
  const databaseUrl = await createTenantDatabase();
  const receiver = await startReceiver((_req, res) => void setTimeout(() => res.end(answer), 50));
  const { env } = bootstrapEnv(databaseUrl, {
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    RELAY_RETRY_SCHEDULE_MS: '0,200,200,200,200,200,200,200',
  });
  const first = await startInboxProcess(env);
  let second: Awaited<ReturnType<typeof startInboxProcess>> | undefined;
  const db = new Client({ connectionString: databaseUrl });
  try {
    const asAdmin = { 'D360-API-KEY': env.WABA_API_KEY, 'content-type': 'application/json' };
    expect(await connect(first.url, asAdmin, receiver.url)).toBeLessThan(300);
    await providerSendsAll(first.url, env.WABA_WEBHOOK_SECRET);
    await waitFor(() => receiver.received.length >= 6, 10_000);
    first.child.kill('SIGKILL');
    await first.stop();
    expect(receiver.received.length).toBeLessThan(CHATS * PER_CHAT); // cut off mid-way

    second = await startInboxProcess(env);
    await db.connect();
    const count = async () =>
      Number(
        (await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE done_at IS NULL`)).rows[0].n,
      );
    await waitFor(async () => (await count()) === 0, 20_000);
    const outcomes = await db.query(`SELECT outcome, count(*) AS n FROM ${table} GROUP BY outcome`);
    expect(outcomes.rows).toEqual([{ outcome, n: String(CHATS * PER_CHAT) }]);
    expectAllOnceInOrder(
      receiver.received.map((r) => ({
        webhookId: r.headers['webhook-id'] as string,
        message: JSON.parse(r.body).incoming_messages[0].id as string,
      })),
    );
  } finally {
    await db.end().catch(() => undefined);
    await second?.stop();
    await receiver.close();
    await dropTenantDatabase(databaseUrl);
  }
}

const post = async (url: string, method: string, headers: Record<string, string>, body: unknown) =>
  (await fetch(url, { method, headers, body: JSON.stringify(body) })).status;

describe('the relay survives kill -9', () => {
  it('delivers everything after a restart, in order per chat, a repeat only under its first webhook-id', () =>
    survivesKill({
      connect: (url, asAdmin, receiverUrl) =>
        post(`${url}/api/v1/waba_webhooks/`, 'POST', asAdmin, {
          url: receiverUrl,
          events: ['incoming_messages'],
        }),
      table: 'relay_deliveries',
      outcome: 'delivered',
    }));

  it('calls a custom rule engine for every message after a restart, in order per chat, a repeat only under its first webhook-id', () =>
    survivesKill(
      {
        connect: (url, asAdmin, receiverUrl) =>
          post(`${url}/api/v1/rule_engine/`, 'PUT', asAdmin, { mode: 'custom', url: receiverUrl }),
        table: 'rule_events',
        outcome: 'applied',
      },
      '{"assignment": []}', // assigns nothing
    ));
});
