/**
 * Crash safety with real processes: the worker is killed with SIGKILL at every step (fault
 * injection points, each firing once), restarted, and the instance still reaches `ready` with
 * exactly one token value delivered and nothing orphaned. Then Redis: restarted mid-pipeline, and
 * flushed (data lost), the work still completes.
 */
import { ChildProcess, spawn, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import IORedis from 'ioredis';
import { unique, uniqueChannel } from '../support/api-harness';
import { json, startReceiver } from '../support/http-receiver';
import {
  Platform,
  configuratorTo,
  createInstance,
  startPlatform,
  waitForStatus,
} from '../support/platform-harness';
import { waitFor } from '../support/wait';

const CRASH_POINTS = [
  'provision.credentials',
  'provision.database.created',
  'provision.database',
  'provision.deploy.applied',
  'provision.deploy',
  'provision.health',
  'provision.ready',
  'delivery.webhook',
  'delivery.email',
  'teardown.runtime',
  'teardown.database',
];

describe('crash safety: kill -9 the worker at every step', () => {
  let platform: Platform;
  const markers = mkdtempSync(join(tmpdir(), 'faults-'));

  beforeAll(async () => {
    platform = await startPlatform({ redisDb: 12 });
  });
  afterAll(() => platform?.close());

  /** Keeps one worker running: restarts it each time a fault kills it, until `done`. */
  async function superviseUntil(done: () => Promise<boolean>, timeoutMs = 90_000): Promise<number> {
    let crashes = 0;
    const deadline = Date.now() + timeoutMs;
    const env = { FAULT_INJECTION: CRASH_POINTS.join(','), FAULT_MARKER_DIR: markers };
    let worker = platform.startWorker(env);
    for (;;) {
      if (await done()) break;
      if (worker.child.signalCode === 'SIGKILL') {
        crashes++;
        worker = platform.startWorker(env);
      }
      if (Date.now() > deadline) throw new Error(`not done after ${crashes} crashes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await worker.stop();
    return crashes;
  }

  it('reaches ready, delivers one token value and one e-mail message id, and tears down, whatever step the worker dies in', async () => {
    const path = `/crash-${unique()}`;
    const email = `${unique('crash')}@example.com`;
    const created = await createInstance(platform, {
      channel_id: uniqueChannel(),
      admin_email: email,
      configurator: configuratorTo(platform, path),
    });
    const id = created.id;
    const row = async () =>
      (
        await platform.dataSource.query<
          { status: string; configurator_token_enc: string | null; checkpoint: Record<string, string> }[]
        >('SELECT status, configurator_token_enc, checkpoint FROM instances WHERE id = $1', [id])
      )[0];

    const provisioningCrashes = await superviseUntil(async () => {
      const r = await row();
      return r.status === 'ready' && r.checkpoint.webhook === 'delivered' && r.checkpoint.email === 'sent';
    });
    expect(provisioningCrashes).toBe(9);

    const hooks = platform.hooks.received.filter((h) => h.url === path);
    expect(hooks.length).toBeGreaterThanOrEqual(1);
    const tokens = hooks.map(
      (h) =>
        (
          new Webhook(platform.partner.signingSecret).verify(h.body, {
            'webhook-id': String(h.headers['webhook-id']),
            'webhook-timestamp': String(h.headers['webhook-timestamp']),
            'webhook-signature': String(h.headers['webhook-signature']),
          }) as { token: string }
        ).token,
    );
    expect(new Set(tokens).size).toBe(1); // exactly one token value ever left
    expect(new Set(hooks.map((h) => h.headers['webhook-id'])).size).toBe(1);
    const me = await platform
      .instance(created.subdomain)
      .get('/api/v1/users/current/')
      .set('Authorization', `Token ${tokens[0]}`);
    expect(me.status).toBe(200);

    // A crash between the SMTP server's OK and our record resends: same Message-ID, same link.
    const mails = platform.catcher.messages.filter((m) => m.to.includes(email));
    expect(mails.length).toBeGreaterThanOrEqual(1);
    expect(new Set(mails.map((m) => m.headers['message-id'])).size).toBe(1);
    expect(new Set(mails.map((m) => m.text)).size).toBe(1);

    expect(platform.runtime.processesOf(id)).toHaveLength(1); // no stray from the crash after spawn
    expect(await platform.databases.exists(id)).toEqual({ database: true, role: true });

    await platform.http().delete(`/v1/instances/${id}`).set(platform.partner.auth).expect(202);
    const teardownCrashes = await superviseUntil(async () => (await row()).status === 'deleted');
    expect(teardownCrashes).toBe(2);
    expect(platform.runtime.processesOf(id)).toHaveLength(0);
    expect(await platform.databases.exists(id)).toEqual({ database: false, role: false });
  });
});

describe('crash safety: Redis', () => {
  const port = 6390 + Math.floor(Math.random() * 50);
  const dir = mkdtempSync(join(tmpdir(), 'redis-'));
  let redis: ChildProcess | undefined;
  let platform: Platform;
  let provider: Awaited<ReturnType<typeof startReceiver>>;

  /** A Redis of our own, persisted (AOF), so it can be restarted without touching the shared one. */
  async function startRedis(): Promise<void> {
    redis = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
      {
        stdio: 'ignore',
      },
    );
    await waitFor(async () => {
      const client = new IORedis({
        port,
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      try {
        await client.connect();
        return (await client.ping()) === 'PONG';
      } catch {
        return false;
      } finally {
        client.disconnect();
      }
    }, 10_000);
  }
  function stopRedis(): void {
    execFileSync('redis-cli', ['-p', String(port), 'shutdown']);
  }

  beforeAll(async () => {
    await startRedis();
    // The provider answers slowly, so the test can take Redis away while a job is running.
    provider = await startReceiver(async (req, res) => {
      await new Promise((r) => setTimeout(r, 1500));
      json(res, 201, { api_key: 'slow-key' });
    });
    platform = await startPlatform({
      redisDb: 0,
      redisUrl: `redis://127.0.0.1:${port}/0`,
      workerEnv: {
        WABA_PROVIDER: '360dialog',
        D360_HUB_URL: provider.url,
        D360_PARTNER_ID: 'pp',
        D360_PARTNER_API_KEY: 'k',
        RECONCILE_INTERVAL_MS: '1000',
      },
    });
  });
  afterAll(async () => {
    await platform?.close();
    await provider?.close();
    redis?.kill('SIGKILL');
  });

  const createWithHook = async (path: string) =>
    (
      await createInstance(platform, {
        channel_id: uniqueChannel(),
        configurator: configuratorTo(platform, path),
      })
    ).id;

  it('completes once Redis is back after a restart in the middle of the pipeline', async () => {
    const worker = platform.startWorker();
    const path = `/redis-${unique()}`;
    const id = await createWithHook(path);
    await waitForStatus(platform, id, 'provisioning', 10_000);
    stopRedis(); // while the worker waits for the provider
    await new Promise((r) => setTimeout(r, 3000));
    await startRedis();
    await waitForStatus(platform, id, 'ready', 60_000);
    await waitFor(() => Promise.resolve(platform.hooks.received.some((h) => h.url === path)), 30_000);
    expect(worker.child.exitCode).toBeNull();
    await worker.stop();
  });

  it('SIGTERM puts a running job back without spending an attempt; another worker finishes it', async () => {
    const first = platform.startWorker();
    const path = `/sigterm-${unique()}`;
    const id = await createWithHook(path);
    await waitForStatus(platform, id, 'provisioning', 10_000); // the provider takes 1.5 s to answer
    const stopping = Date.now();
    first.child.kill('SIGTERM');
    await first.exited; // Nest re-raises the signal once its shutdown hooks have run
    expect(first.child.signalCode).toBe('SIGTERM');
    expect(Date.now() - stopping).toBeLessThan(10_000);
    const client = new IORedis({ port });
    const job = await client.hgetall(`bull:provisioning:provision-${id}`);
    client.disconnect();
    expect(Number(job.atm ?? 0)).toBe(0); // attemptsMade: the interrupted run did not count
    const second = platform.startWorker();
    const ready = await waitForStatus(platform, id, 'ready', 60_000);
    expect(ready.events.some((e) => e.type === 'step.retry')).toBe(false);
    await second.stop();
  });

  it('re-adds work Redis lost (flushed), through the reconcile sweep', async () => {
    const path = `/flushed-${unique()}`;
    const id = await createWithHook(path); // no worker yet: the job waits in Redis
    const client = new IORedis({ port });
    await waitFor(async () => (await client.keys('bull:provisioning:provision-*')).length > 0);
    await client.flushall();
    client.disconnect();
    const worker = platform.startWorker();
    await waitForStatus(platform, id, 'ready', 60_000);
    await waitFor(() => Promise.resolve(platform.hooks.received.some((h) => h.url === path)), 30_000);
    await worker.stop();
  });
});
