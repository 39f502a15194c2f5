/**
 * A crash in the middle of ingest (kill -9 of the instance process while webhooks arrive) loses no
 * acknowledged message: what got a 200 is stored, whole; what did not is retried by the provider
 * after the restart and stored once.
 */
import { Client } from 'pg';
import { cloudTextWebhook } from '../support/fixtures';
import {
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInboxProcess,
} from '../support/inbox-harness';

const WEBHOOKS = 400;
const CONCURRENCY = 8;

function webhook(n: number) {
  return cloudTextWebhook({
    from: String(4915300000000 + (n % 25)),
    id: `wamid.crash.${n}`,
    text: `m${n}`,
    name: `Customer ${n % 25}`,
    timestamp: 1_760_000_000 + n,
  });
}

/** Posts webhooks `ns`, CONCURRENCY at a time; the numbers that were answered 200. */
async function deliver(url: string, ns: number[], onAck?: (acked: number) => void): Promise<Set<number>> {
  const acked = new Set<number>();
  const queue = [...ns];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        try {
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(webhook(n)),
          });
          if (res.status === 200) {
            acked.add(n);
            onAck?.(acked.size);
          }
        } catch {
          // the process is gone: not acknowledged, the provider will retry
        }
      }
    }),
  );
  return acked;
}

describe('inbox ingest survives kill -9', () => {
  let databaseUrl: string;
  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
  });
  afterAll(() => dropTenantDatabase(databaseUrl));

  it('keeps every acknowledged message, whole, and stores the retried ones once', async () => {
    const { env } = bootstrapEnv(databaseUrl);
    const first = await startInboxProcess(env);
    const path = `/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`;
    const all = Array.from({ length: WEBHOOKS }, (_, n) => n);
    let killed = false;
    const acked = await deliver(`${first.url}${path}`, all, (count) => {
      if (count >= WEBHOOKS / 4 && !killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    await first.stop().catch(() => undefined);
    expect(killed).toBe(true);
    expect(acked.size).toBeGreaterThanOrEqual(WEBHOOKS / 4);
    expect(acked.size).toBeLessThan(WEBHOOKS); // the crash did cut some off

    const db = new Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const stored = async () =>
        new Set(
          (await db.query<{ wa_message_id: string }>('SELECT wa_message_id FROM messages')).rows.map((r) =>
            Number(r.wa_message_id.split('.')[2]),
          ),
        );
      const afterCrash = await stored();
      for (const n of acked) expect(afterCrash.has(n)).toBe(true);

      // The provider retries everything it did not get a 200 for, and redelivers some it did.
      const second = await startInboxProcess(env);
      try {
        const retried = all.filter((n) => !acked.has(n));
        const again = await deliver(`${second.url}${path}`, [...retried, ...[...acked].slice(0, 20)]);
        expect(again.size).toBe(retried.length + Math.min(20, acked.size));
      } finally {
        await second.stop();
      }
      const final = await db.query<{ n: string; distinct_ids: string; webhooks: string }>(
        `SELECT count(*) AS n, count(DISTINCT wa_message_id) AS distinct_ids,
                (SELECT count(*) FROM provider_webhooks) AS webhooks FROM messages`,
      );
      expect(Number(final.rows[0].n)).toBe(WEBHOOKS);
      expect(Number(final.rows[0].distinct_ids)).toBe(WEBHOOKS);
      // Whole, never partial: every message's chat knows it; each stored webhook has its message.
      const orphans = await db.query(
        `SELECT m.wa_message_id FROM messages m JOIN contacts c ON c.wa_id = m.customer_wa_id
          WHERE c.last_message_timestamp < m.timestamp OR c.last_inbound_timestamp < m.timestamp`,
      );
      expect(orphans.rows).toEqual([]);
      const chats = await db.query<{ wa_id: string; last: string }>(
        `SELECT c.wa_id, m.wa_message_id AS last FROM contacts c JOIN messages m ON m.id = c.last_message_id`,
      );
      expect(chats.rows).toHaveLength(25);
      const emptyWebhooks = await db.query(
        `SELECT w.id FROM provider_webhooks w
          WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.wa_message_id = w.body #>> '{entry,0,changes,0,value,messages,0,id}')`,
      );
      expect(emptyWebhooks.rows).toEqual([]);
    } finally {
      await db.end();
    }
  });
});
