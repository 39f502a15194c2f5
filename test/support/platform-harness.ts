/**
 * The whole platform on this machine for end-to-end tests: the Partner API (in-process), the
 * worker (the built app, a real child process that tests may kill -9), the local gateway, the
 * mail catcher (a real SMTP server) and webhook receivers. Each harness gets its own control-plane
 * database and Redis database, so work left by other test files never reaches its worker.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Server } from 'node:http';
import IORedis from 'ioredis';
import { Webhook } from 'standardwebhooks';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { loadConfig } from '@app/config';
import { recreateDatabase } from '@app/domain';
import { TenantDatabases, spareScopeFor } from '@app/provisioning';
import { LocalRuntime, createLocalGateway, freePort } from '@app/runtime';
import { MailCatcher } from '../../apps/mail-catcher/src/mail-catcher';
import { createSandbox } from '../../apps/waba-sandbox/src/create-sandbox';
import { TestPartner, createTestPartner, startApi, unique } from './api-harness';
import { ReceivedRequest, startReceiver } from './http-receiver';
import { REPO } from './processes';
import { waitFor } from './wait';

export const WORKER_ENTRY = resolve(REPO, 'dist/apps/worker/main.js');

export interface Platform {
  env: Record<string, string>;
  api: Awaited<ReturnType<typeof startApi>>;
  dataSource: DataSource;
  partner: TestPartner;
  /** Requests to an instance through the gateway, by Host header (Node cannot resolve *.localhost). */
  instance: (subdomain: string) => {
    get: (path: string) => request.Test;
    post: (path: string) => request.Test;
  };
  gatewayPort: number;
  catcher: MailCatcher;
  /** The WhatsApp sandbox the platform's instances talk to (WABA_SANDBOX_URL). */
  sandboxUrl: string;
  hooks: Awaited<ReturnType<typeof startReceiver>>;
  runtime: LocalRuntime;
  databases: TenantDatabases;
  http: () => ReturnType<typeof request>;
  startWorker: (extraEnv?: Record<string, string>) => WorkerProcess;
  close: () => Promise<void>;
}

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stop: () => Promise<void>;
}

/** Answers 200 to every webhook unless a test swaps `hookAnswer`. */
export let hookAnswer: (req: ReceivedRequest) => number = () => 200;
export const setHookAnswer = (answer: (req: ReceivedRequest) => number) => (hookAnswer = answer);

export async function startPlatform(options: {
  redisDb: number;
  /** A Redis of the test's own instead of a database on the shared one. */
  redisUrl?: string;
  workerEnv?: Record<string, string>;
  /** A PostgreSQL server of the test's own (`postgres://user@host:port`) instead of the shared one. */
  postgresUrl?: string;
}): Promise<Platform> {
  const name = `platform_e2e_${options.redisDb}${options.redisUrl ? '_own_redis' : ''}`;
  const stateDir = resolve(REPO, '.local/test'); // shared with the API harness: same local secrets key
  const catcher = new MailCatcher(join(stateDir, `mail-${unique('m')}`));
  const mail = await catcher.listen(0, 0);
  const hooks = await startReceiver((req, res) => {
    res.writeHead(hookAnswer(req)).end();
  });
  const sandbox = await createSandbox();
  await sandbox.listen(0, '127.0.0.1');
  const sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
  const runtime = new LocalRuntime(stateDir);
  const gatewayPort = await freePort();
  const baseDomain = `localhost:${gatewayPort}`;
  const gateway: Server = createLocalGateway(runtime, baseDomain);
  await new Promise<void>((r) => gateway.listen(gatewayPort, '127.0.0.1', r));

  const env: Record<string, string> = {
    DATABASE_URL: `${options.postgresUrl ?? 'postgres://postgres@127.0.0.1:5432'}/${name}`,
    REDIS_URL: options.redisUrl ?? `redis://127.0.0.1:6379/${options.redisDb}`,
    LOCAL_STATE_DIR: stateDir,
    BASE_DOMAIN: baseDomain,
    SMTP_URL: `smtp://127.0.0.1:${mail.smtpPort}`,
    WABA_SANDBOX_URL: sandboxUrl,
    DELIVERY_RETRY_SCHEDULE_MS: '0,200,400,600,800,1000,1200,1400',
    WORKER_LOCK_DURATION_MS: '2000', // take-over bound: lock 1 s, stall checks every 0.4 s
    RECONCILE_INTERVAL_MS: '3600000',
    OUTBOX_POLL_INTERVAL_MS: '200',
    HEALTH_DEADLINE_MS: '60000',
    HEALTH_WATCH_INTERVAL_MS: '0', // off unless a test watches health (health-watch.e2e-spec.ts)
    LOG_LEVEL: 'info',
    ...options.workerEnv,
  };
  const config = loadConfig({ ...process.env, ...env });
  await recreateDatabase(config);
  const redis = new IORedis(env.REDIS_URL);
  await redis.flushdb();
  redis.disconnect();

  const api = await startApi({ ...env, LOG_LEVEL: 'silent' });
  const dataSource = api.app.get(DataSource);
  const partner = await createTestPartner(dataSource);
  const workers: WorkerProcess[] = [];
  const logDir = join(stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });

  const startWorker = (extraEnv: Record<string, string> = {}): WorkerProcess => {
    const log = createWriteStream(join(logDir, `worker-${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [WORKER_ENTRY], {
      cwd: REPO,
      env: { ...process.env, ...env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const worker: WorkerProcess = {
      child,
      exited,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited;
      },
    };
    workers.push(worker);
    return worker;
  };

  const databases = new TenantDatabases(config.TENANT_DATABASE_ADMIN_URL!, {
    spareScope: spareScopeFor(config.DATABASE_URL),
  });
  return {
    env,
    api,
    dataSource,
    partner,
    gatewayPort,
    instance: (subdomain) => {
      const host = `${subdomain}.${baseDomain}`;
      const agent = request(`http://127.0.0.1:${gatewayPort}`);
      return {
        get: (path) => agent.get(path).set('Host', host),
        post: (path) => agent.post(path).set('Host', host),
      };
    },
    catcher,
    sandboxUrl,
    hooks,
    runtime,
    databases,
    http: () => request(api.app.getHttpServer()),
    startWorker,
    close: async () => {
      await Promise.all(workers.map((w) => w.stop()));
      // Leave no instance process, database or role behind.
      const ids = await dataSource.query<{ id: string }[]>('SELECT id FROM instances');
      for (const { id } of ids) {
        await runtime.teardown(id);
        await databases.drop(id);
      }
      await databases.dropSpares(); // this platform's own: nothing else on the server is touched
      await databases.close();
      await api.close();
      await hooks.close();
      await catcher.close();
      await sandbox.close();
      await new Promise((r) => gateway.close(r));
    },
  };
}

/** Polls GET /v1/instances/{id} until the instance has the status. */
export async function waitForStatus(platform: Platform, id: string, status: string, timeoutMs = 30_000) {
  let last: { status?: string; status_detail?: string } = {};
  try {
    await waitFor(
      async () => {
        last = (await platform.http().get(`/v1/instances/${id}`).set(platform.partner.auth))
          .body as typeof last;
        return last.status === status;
      },
      timeoutMs,
      100,
    );
  } catch {
    throw new Error(`instance ${id} is ${last.status} (${last.status_detail}), not ${status}`);
  }
  return last as Record<string, unknown> & { events: { type: string; message: string; data: unknown }[] };
}

/** POST /v1/instances as the platform's partner; fails the test unless 201. */
export async function createInstance(platform: Platform, body: Record<string, unknown>) {
  const res = await platform.http().post('/v1/instances').set(platform.partner.auth).send(body).expect(201);
  return res.body as { id: string; subdomain: string; activation_url?: string };
}

/** A `configurator` whose token webhook lands on the platform's receiver at `path`. */
export const configuratorTo = (platform: Platform, path: string) => ({
  user_name: 'bot',
  webhook_url: `${platform.hooks.url}${path}`,
});

/** Sends the platform's partner events to `url` (PUT /v1/partner/settings). */
export async function listenToPartnerEvents(platform: Platform, url: string): Promise<void> {
  await platform
    .http()
    .put('/v1/partner/settings')
    .set(platform.partner.auth)
    .send({ event_url: url })
    .expect(200);
}

/** A request signed with the partner's secret, verified (throws otherwise), as its JSON body. */
export function verifyPartnerSignature(
  platform: Platform,
  hook: { body: string; headers: Record<string, unknown> },
): Record<string, unknown> {
  return new Webhook(platform.partner.signingSecret).verify(hook.body, {
    'webhook-id': String(hook.headers['webhook-id']),
    'webhook-timestamp': String(hook.headers['webhook-timestamp']),
    'webhook-signature': String(hook.headers['webhook-signature']),
  }) as Record<string, unknown>;
}
