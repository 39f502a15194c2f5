/**
 * kill -9 of the instance in the middle of relaying: every delivery still arrives after the
 * restart, in order per chat, and one that arrives twice (its 2xx was lost with the process)
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

describe('the relay survives kill -9', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
  });
  afterAll(() => dropTenantDatabase(databaseUrl));

  it('delivers everything after a restart, in order per chat, a repeat only under its first webhook-id', async () => {
    // Each request is answered after 50 ms, so the kill finds deliveries in flight.
    const receiver = await startReceiver((_req, res) => void setTimeout(() => res.end(), 50));
    const { env } = bootstrapEnv(databaseUrl, {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      RELAY_RETRY_SCHEDULE_MS: '0,200,200,200,200,200,200,200',
    });
    const asAdmin = { 'D360-API-KEY': env.WABA_API_KEY, 'content-type': 'application/json' };
    const first = await startInboxProcess(env);
    let second: Awaited<ReturnType<typeof startInboxProcess>> | undefined;
    try {
      const created = await fetch(`${first.url}/api/v1/waba_webhooks/`, {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ url: receiver.url, events: ['incoming_messages'] }),
      });
      expect(created.status).toBe(201);
      for (let n = 1; n <= PER_CHAT; n++)
        for (let chat = 1; chat <= CHATS; chat++) {
          const res = await fetch(`${first.url}/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: inbound(chat, n),
          });
          expect(res.status).toBe(200);
        }
      await waitFor(() => receiver.received.length >= 6, 10_000);
      first.child.kill('SIGKILL');
      await first.stop();
      const beforeRestart = receiver.received.length;
      expect(beforeRestart).toBeLessThan(CHATS * PER_CHAT); // cut off mid-relay

      second = await startInboxProcess(env);
      const db = new Client({ connectionString: databaseUrl });
      await db.connect();
      try {
        await waitFor(
          async () =>
            Number(
              (
                await db.query<{ n: string }>(
                  `SELECT count(*) AS n FROM relay_deliveries WHERE done_at IS NULL`,
                )
              ).rows[0].n,
            ) === 0,
          20_000,
        );
        const outcomes = await db.query<{ outcome: string; n: string }>(
          `SELECT outcome, count(*) AS n FROM relay_deliveries GROUP BY outcome`,
        );
        expect(outcomes.rows).toEqual([{ outcome: 'delivered', n: String(CHATS * PER_CHAT) }]);
      } finally {
        await db.end();
      }
      const arrivals = receiver.received.map((r) => ({
        webhookId: r.headers['webhook-id'] as string,
        message: JSON.parse(r.body).incoming_messages[0].id as string,
      }));
      // Nothing lost.
      expect(new Set(arrivals.map((a) => a.message)).size).toBe(CHATS * PER_CHAT);
      // A repeat is the same delivery: one webhook-id per message, whatever the number of arrivals.
      const idOf = new Map<string, string>();
      for (const a of arrivals) {
        expect(idOf.get(a.message) ?? a.webhookId).toBe(a.webhookId);
        idOf.set(a.message, a.webhookId);
      }
      // In order per chat: each message first arrives after its predecessor's first arrival.
      for (let chat = 1; chat <= CHATS; chat++) {
        const firsts = [
          ...new Set(arrivals.map((a) => a.message).filter((m) => m.startsWith(`wamid.c${chat}.`))),
        ];
        expect(firsts).toEqual([...firsts].sort());
      }
    } finally {
      await second?.stop();
      await receiver.close();
    }
  });
});
