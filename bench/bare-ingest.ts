/**
 * The baseline for bench:inbox-messages: a bare Fastify handler that stores one webhook's message
 * as one row in PostgreSQL and answers 200, nothing else (no transaction, no contacts, no NOTIFY).
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 5 });
  await pool.query(
    `CREATE TABLE IF NOT EXISTS bare_messages (id text PRIMARY KEY, customer text, body jsonb, ts bigint)`,
  );
  const app = Fastify();
  app.post('/waba/webhook/:secret/', async (request) => {
    const value = (
      request.body as { entry: { changes: { value: { messages: Record<string, string>[] } }[] }[] }
    ).entry[0].changes[0].value;
    const m = value.messages[0];
    await pool.query(`INSERT INTO bare_messages VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [
      m.id,
      m.from,
      JSON.stringify(m),
      Number(m.timestamp),
    ]);
    return {};
  });
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
}

void main();
