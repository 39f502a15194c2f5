/**
 * A tenant database filled by COPY (benchmarks, long-conversation tests): `messages` text messages spread over
 * `chats` customers within the last 90 days (deterministic), plus optional long threads whose
 * messages are one minute apart and end now; secondary indexes are built afterwards.
 */
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const WORDS = (
  'hello thanks order delivery package today tomorrow price please help question account invoice ' +
  'payment address change cancel update status tracking number store open close time week monday ' +
  'friday great sorry problem working again card bank transfer receipt size color return exchange ' +
  'available stock shipping fast slow box damaged photo name email phone call later yes no maybe ok'
).split(' ');

export interface SeedPlan {
  messages: number;
  chats: number;
  /** Put into about 1 % of the messages, for search. */
  searchWord?: string;
  /** Threads of `messages` messages each with one customer, the newest now. */
  threads?: { waId: string; name: string; messages: number }[];
}

export const seededWaId = (chat: number) => String(4917000000000 + chat);

const row = (id: string, waId: string, fromUs: boolean, ts: number, text: string) => {
  const payload = fromUs
    ? { to: waId, type: 'text', text: { body: text }, id, timestamp: String(ts) }
    : { from: waId, id, timestamp: String(ts), type: 'text', text: { body: text } };
  return `${id}\t${waId}\t${fromUs ? 't' : 'f'}\ttext\t${ts}\t${JSON.stringify(payload)}\t${text}\n`;
};

export async function seedConversations(databaseUrl: string, plan: SeedPlan): Promise<string> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const started = Date.now();
  const indexes = (
    await db.query<{ indexdef: string; indexname: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages' AND indexname IN ('messages_chat_idx', 'messages_inbound_idx', 'messages_text_trgm_idx')`,
    )
  ).rows;
  for (const index of indexes) await db.query(`DROP INDEX ${index.indexname}`);
  const now = Math.floor(Date.now() / 1000);
  const contacts = db.query(copyFrom(`COPY contacts (wa_id, profile_name) FROM STDIN`));
  for (let c = 0; c < plan.chats; c++) contacts.write(`${seededWaId(c)}\tCustomer ${c}\n`);
  for (const thread of plan.threads ?? []) contacts.write(`${thread.waId}\t${thread.name}\n`);
  await new Promise((r, j) => contacts.end(r).on('error', j));
  const messages = db.query(
    copyFrom(
      `COPY messages (wa_message_id, customer_wa_id, from_us, type, timestamp, waba_payload, body_text) FROM STDIN`,
    ),
  );
  const write = async (line: string) => {
    if (!messages.write(line)) await new Promise((r) => messages.once('drain', r));
  };
  let random = 42;
  const next = () => (random = (random * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < plan.messages; i++) {
    // Every chat gets a message first, so that there are `chats` chats even with few messages.
    const waId = seededWaId(i < plan.chats ? i : Math.floor(next() * plan.chats));
    const fromUs = next() < 0.4;
    const ts = now - Math.floor(next() * 90 * 86400);
    const words = Array.from(
      { length: 4 + Math.floor(next() * 8) },
      () => WORDS[Math.floor(next() * WORDS.length)],
    );
    if (plan.searchWord && next() < 0.01) words.splice(1, 0, plan.searchWord);
    await write(row(`wamid.seed.${i}`, waId, fromUs, ts, words.join(' ')));
  }
  for (const thread of plan.threads ?? [])
    for (let i = 0; i < thread.messages; i++) {
      const ts = now - (thread.messages - 1 - i) * 60;
      await write(
        row(
          `wamid.thread.${thread.waId}.${i}`,
          thread.waId,
          i % 3 === 2,
          ts,
          `message ${i + 1} of ${thread.messages}`,
        ),
      );
    }
  await new Promise((r, j) => messages.end(r).on('error', j));
  const copied = Date.now();
  for (const index of indexes) await db.query(index.indexdef);
  await db.query(`UPDATE contacts c SET last_message_timestamp = a.ts, last_inbound_timestamp = a.inbound, last_message_id = a.last
    FROM (SELECT customer_wa_id, max(timestamp) AS ts, max(timestamp) FILTER (WHERE NOT from_us) AS inbound,
                 (array_agg(id ORDER BY timestamp DESC, id DESC))[1] AS last
            FROM messages GROUP BY customer_wa_id) a WHERE a.customer_wa_id = c.wa_id`);
  await db.query('VACUUM ANALYZE contacts');
  await db.query('VACUUM ANALYZE messages');
  await db.end();
  const total = plan.messages + (plan.threads ?? []).reduce((n, t) => n + t.messages, 0);
  return `seeded ${total} messages over ${plan.chats + (plan.threads?.length ?? 0)} chats: COPY ${((copied - started) / 1000).toFixed(1)} s, indexes and activity ${((Date.now() - copied) / 1000).toFixed(1)} s`;
}
