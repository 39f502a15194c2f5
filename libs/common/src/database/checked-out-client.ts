import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` on a client checked out of `pool`, and survives the server dropping it meanwhile.
 * pg-pool removes its own 'error' listener from a client while it is checked out; a PostgreSQL
 * restart, failover or pg_terminate_backend then emits 'error' with nobody listening, which
 * crashes the process (57P01, "Unhandled 'error' event"). The listener here keeps the error for
 * the release (a broken client is destroyed, not reused); the failing query rejects on its own.
 * `destroyOnError`: also drop the client when `work` throws (its session state is unknown).
 */
export async function withCheckedOutClient<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  options: { destroyOnError?: boolean } = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (error: Error) => (broken = error);
  client.on('error', onError);
  try {
    return await work(client);
  } catch (error) {
    if (options.destroyOnError) broken ??= error as Error;
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(broken ?? false);
  }
}
