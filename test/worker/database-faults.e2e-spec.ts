/**
 * Database and worker faults on real processes, with a PostgreSQL server of the test's own:
 * restarted under the worker (mid-provisioning), under the Partner API (503 + Retry-After while
 * it is down) and under an instance serving requests; and a worker killed with SIGKILL whose job
 * another worker takes over within WORKER_LOCK_DURATION_MS.
 */
import { Client } from 'pg';
import { freePort } from '@app/runtime';
import { uniqueChannel, unique } from '../support/api-harness';
import { json, startReceiver } from '../support/http-receiver';
import { OwnPostgres, startOwnPostgres } from '../support/own-postgres';
import {
  Platform,
  WorkerProcess,
  configuratorTo,
  startPlatform,
  waitForStatus,
} from '../support/platform-harness';
import { waitFor, waitForHttp } from '../support/wait';

const TAKE_OVER_MS = 2000; // the platform harness's WORKER_LOCK_DURATION_MS

describe('database and worker faults', () => {
  let pg: OwnPostgres;
  let platform: Platform;
  let provider: Awaited<ReturnType<typeof startReceiver>>;
  /** Provider requests wait while this is set (the worker is "inside" the credentials step). */
  let gate: Promise<void> | undefined;
  let openGate: () => void = () => undefined;
  const closeGate = () => (gate = new Promise<void>((r) => (openGate = r)));

  beforeAll(async () => {
    pg = await startOwnPostgres();
    provider = await startReceiver(async (_req, res) => {
      await gate;
      json(res, 201, { api_key: `key-${unique()}` });
    });
    platform = await startPlatform({
      redisDb: 9,
      postgresUrl: pg.url,
      workerEnv: {
        WABA_PROVIDER: '360dialog',
        D360_HUB_URL: provider.url,
        D360_PARTNER_ID: 'pp',
        D360_PARTNER_API_KEY: 'k',
      },
    });
  });
  afterAll(async () => {
    await platform?.close();
    await provider?.close();
    pg?.destroy();
  });

  const create = async (path: string) => {
    const res = await platform
      .http()
      .post('/v1/instances')
      .set(platform.partner.auth)
      .send({ channel_id: uniqueChannel(), configurator: configuratorTo(platform, path) });
    expect(res.status).toBe(201);
    return (res.body as { id: string; subdomain: string }).id;
  };
  const tokenFor = async (path: string) => {
    await waitFor(() => Promise.resolve(platform.hooks.received.some((h) => h.url === path)), 60_000);
    return (JSON.parse(platform.hooks.received.find((h) => h.url === path)!.body) as { token: string }).token;
  };

  let workers: WorkerProcess[] = [];
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
  });
  const startWorker = (env: Record<string, string> = {}) => {
    const worker = platform.startWorker(env);
    workers.push(worker);
    return worker;
  };

  it('worker, API and instance survive a PostgreSQL restart; the API answers 503 with Retry-After meanwhile', async () => {
    const worker = startWorker();
    // One ready instance, then load on it (transactions on its own pool) while PostgreSQL restarts.
    const firstPath = `/first-${unique()}`;
    const first = await create(firstPath);
    await waitForStatus(platform, first, 'ready', 60_000);
    const token = await tokenFor(firstPath);
    const subdomain = first;
    let stopLoad = false;
    const statuses: number[] = [];
    const load = (async () => {
      for (let i = 0; !stopLoad; i++) {
        const res = await platform
          .instance(subdomain)
          .post('/api/v1/users/')
          .set('Authorization', `Token ${token}`)
          .send({ username: `app${i}`, profile: { role: 'app' } })
          .catch(() => undefined);
        if (res) statuses.push(res.status);
      }
    })();

    // A second instance whose worker is inside the pipeline when the server goes away.
    void closeGate();
    const secondPath = `/second-${unique()}`;
    const second = await create(secondPath);
    await waitFor(() => Promise.resolve(provider.received.length >= 2), 20_000);

    pg.stop();
    try {
      openGate(); // the worker goes on with its step and meets the stopped server
      const down = await platform.http().get('/v1/instances').set(platform.partner.auth);
      expect(down.status).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.body).toEqual({
        detail: 'Service temporarily unavailable: the database cannot be reached. Retry later.',
      });
      const post = await platform
        .http()
        .post('/v1/instances')
        .set(platform.partner.auth)
        .send({ channel_id: uniqueChannel() });
      expect(post.status).toBe(503);
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      pg.start();
    }

    await waitForStatus(platform, second, 'ready', 90_000);
    expect(await tokenFor(secondPath)).toMatch(/^[0-9a-f]{40}$/);
    stopLoad = true;
    await load;
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
    // The instance kept serving: its process is the same one and it answers again.
    expect(platform.runtime.processesOf(first)).toHaveLength(1);
    expect((await platform.instance(subdomain).get('/api/v1/status/health')).status).toBe(200);
    expect(statuses.some((s) => s === 201)).toBe(true);
    expect(statuses.filter((s) => s >= 500 && s !== 503)).toEqual([]);
  });

  it('the worker survives every one of its connections being terminated again and again (pg_terminate_backend) and still provisions', async () => {
    const worker = startWorker();
    const admin = new Client({ connectionString: `${pg.url}/postgres` });
    await admin.connect();
    let terminated = 0;
    let stop = false;
    // Every 150 ms, every connection but this one: the control plane's pools, the LISTENs, the
    // instance locks, the tenant admin pool (57P01, as a failover or an operator would).
    const storm = (async () => {
      while (!stop) {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' AND usename = 'postgres'
              AND datname IS NOT NULL AND datname NOT LIKE 'tenant\\_%'`,
        );
        terminated += rowCount ?? 0;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      const paths = [1, 2, 3].map((n) => `/storm-${n}-${unique()}`);
      const ids: string[] = [];
      for (const path of paths) {
        // The API answers 503 while its connection is being cut; a partner retries.
        await waitFor(async () => {
          const res = await platform
            .http()
            .post('/v1/instances')
            .set(platform.partner.auth)
            .send({ channel_id: uniqueChannel(), configurator: configuratorTo(platform, path) });
          if (res.status === 201) ids.push((res.body as { id: string }).id);
          else expect(res.status).toBe(503);
          return res.status === 201;
        }, 20_000);
      }
      await new Promise((r) => setTimeout(r, 3000)); // the storm goes on through the pipelines
      stop = true;
      await storm;
      for (const id of ids) await waitForStatus(platform, id, 'ready', 90_000);
      for (const path of paths) expect(await tokenFor(path)).toMatch(/^[0-9a-f]{40}$/);
    } finally {
      stop = true;
      await storm.catch(() => undefined);
      await admin.end();
    }
    process.stdout.write(`terminated ${terminated} connections\n`);
    expect(terminated).toBeGreaterThan(20);
    expect(worker.child.exitCode).toBeNull();
    expect(worker.child.signalCode).toBeNull();
  }, 180_000);

  it(`a killed worker's job is taken over by another within WORKER_LOCK_DURATION_MS (${TAKE_OVER_MS} ms)`, async () => {
    const first = startWorker();
    void closeGate();
    const asked = provider.received.length;
    const path = `/takeover-${unique()}`;
    const id = await create(path);
    await waitFor(() => Promise.resolve(provider.received.length === asked + 1), 20_000);
    // The second worker is up and idle before the first one dies.
    const healthPort = await freePort();
    startWorker({ WORKER_HEALTH_PORT: String(healthPort) });
    await waitForHttp(`http://127.0.0.1:${healthPort}/healthz`, 20_000);

    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    await first.exited;
    gate = undefined; // the dead worker's call stays held; the next one is answered at once
    await waitFor(() => Promise.resolve(provider.received.length >= asked + 2), 30_000, 10);
    const takenOverMs = Date.now() - killedAt;
    await waitForStatus(platform, id, 'ready', 60_000);
    expect(await tokenFor(path)).toMatch(/^[0-9a-f]{40}$/);
    // Measured: 60-115 s for a 30 s setting before the stall timings were derived from the bound.
    process.stdout.write(`take-over after ${takenOverMs} ms\n`);
    expect(takenOverMs).toBeLessThanOrEqual(TAKE_OVER_MS);
  });
});
