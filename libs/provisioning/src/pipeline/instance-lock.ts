import { Client } from 'pg';

/**
 * One job at a time per instance, across workers: a session-level advisory lock on a connection of
 * its own. A worker that dies drops its connection, and PostgreSQL releases the lock at once.
 */
export async function withInstanceLock<T>(
  databaseUrl: string,
  instanceId: string,
  work: () => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined); // a dropped lock connection surfaces through the query below
  await client.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('instance:' || $1))`, [instanceId]);
    return await work();
  } finally {
    await client.end().catch(() => undefined);
  }
}
