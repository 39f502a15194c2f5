import { Pool, PoolClient, QueryResultRow } from 'pg';
import { withCheckedOutClient } from '@app/common/database/checked-out-client';
import { guardPoolClients } from '@app/common/database/pool-client-guard';

export type Queryable = Pick<PoolClient, 'query'>;

/**
 * The tenant database: a small pg pool, and transactions that always end. Bound to its URL when the
 * tenant is (a warm process builds its services before it knows which database is its own).
 */
export class InboxDb {
  private bound?: Pool;

  bind(url: string, size: number): void {
    if (this.bound) throw new Error('the tenant database is bound already');
    const pool = new Pool({ connectionString: url, max: size, connectionTimeoutMillis: 5000 });
    guardPoolClients(pool); // a lost connection fails its query, never the process
    this.bound = pool;
  }

  get pool(): Pool {
    if (!this.bound) throw new Error('the tenant database is not bound yet');
    return this.bound;
  }

  async query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pool.query<T>(sql, params)).rows;
  }

  transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return withCheckedOutClient(this.pool, async (client) => {
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    });
  }

  async close(): Promise<void> {
    await this.bound?.end();
  }
}
