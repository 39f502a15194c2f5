import { Pool, PoolClient, QueryResultRow } from 'pg';

export type Queryable = Pick<PoolClient, 'query'>;

/** The tenant database: a small pg pool, and transactions that always end. */
export class InboxDb {
  constructor(readonly pool: Pool) {}

  static connect(url: string, size: number): InboxDb {
    const pool = new Pool({ connectionString: url, max: size, connectionTimeoutMillis: 5000 });
    pool.on('error', () => undefined); // an idle client lost its server; the next query reconnects
    return new InboxDb(pool);
  }

  async query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
