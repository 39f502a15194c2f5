import type { Pool, PoolClient } from 'pg';

const guarded = new WeakSet<PoolClient>();

/**
 * Gives every client of `pool` an 'error' listener for its whole life. pg-pool listens to a client
 * only while it is idle, and a library may check one out without listening (TypeORM does at start,
 * in afterConnect): a PostgreSQL restart, failover or pg_terminate_backend then emits 'error' with
 * nobody listening, which ends the process (57P01, "Unhandled 'error' event"; the worker died in 2
 * of 10 runs of repeated terminations). With the listener the error is only reported here, and
 * the query that was running rejects on its own, as it should.
 */
export function guardPoolClients(pool: Pool, onError: (error: Error) => void = () => undefined): void {
  const guard = (client: PoolClient) => {
    if (guarded.has(client)) return;
    guarded.add(client);
    client.on('error', onError);
  };
  pool.on('connect', guard);
  pool.on('acquire', guard);
  pool.on('error', onError); // an idle client's, which pg-pool then drops
}
