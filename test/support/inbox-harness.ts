import request from 'supertest';
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@app/common';
import { BootstrapEnv, parseBootstrapEnv } from '@app/bootstrap';
import { createInbox } from '../../apps/inbox/src/create-inbox';
import { createSandbox } from '../../apps/waba-sandbox/src/create-sandbox';
import { freePort } from '@app/runtime';
import { REPO } from './processes';
import { waitForHttp } from './wait';

const SERVER = 'postgres://postgres@127.0.0.1:5432';

/** A fresh tenant database for one test file (dropped by dropTenantDatabase). */
export async function createTenantDatabase(): Promise<string> {
  const name = `inbox_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return `${SERVER}/${name}`;
}

export async function dropTenantDatabase(url: string): Promise<void> {
  const admin = new Client({ connectionString: `${SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
  await admin.end();
}

export interface TenantSecrets {
  activationCode: string;
  configuratorToken: string;
}

/** The bootstrap environment the control plane would pass, with plaintexts kept for the test. */
export function bootstrapEnv(
  databaseUrl: string,
  overrides: Record<string, string> = {},
): { env: Record<string, string>; secrets: TenantSecrets } {
  const secrets = {
    activationCode: randomUUID(),
    configuratorToken: randomUUID().replace(/-/g, '') + '01234567',
  };
  const env = {
    PORT: '0',
    INSTANCE_ID: randomUUID().replace(/-/g, ''),
    PUBLIC_URL: 'http://tenant.localhost:8080',
    DATABASE_URL: databaseUrl,
    MAX_NUMBER_OF_SEATS: '3',
    WABA_API_KEY: 'sandbox-waba-key',
    // No provider by default: registration keeps failing quietly (health reports it, stays 200).
    WABA_API_URL: 'http://127.0.0.1:9',
    WABA_WEBHOOK_SECRET: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''),
    SECRET_KEY: randomUUID() + randomUUID(),
    ADMIN_USERNAME: 'owner@example.com',
    ADMIN_EMAIL: 'owner@example.com',
    ADMIN_ACTIVATION_CODE_SHA256: sha256Hex(secrets.activationCode),
    CONFIGURATOR_USER_NAME: 'service_account',
    CONFIGURATOR_TOKEN_SHA256: sha256Hex(secrets.configuratorToken),
    LOG_LEVEL: 'silent',
    ...overrides,
  };
  return { env, secrets };
}

export async function startInbox(
  env: Record<string, string>,
): Promise<{ app: NestFastifyApplication; url: string; config: BootstrapEnv }> {
  const config = parseBootstrapEnv(env);
  const app = await createInbox(config);
  await app.listen(Number(env.PORT ?? 0), '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), config };
}

/**
 * The built inbox as a process of its own, as the runtime starts it: for measurements that the
 * test process's own work (its garbage collector, other suites' modules) must not disturb.
 */
export async function startInboxProcess(
  env: Record<string, string>,
): Promise<{ url: string; child: ChildProcess; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [resolve(REPO, 'dist/apps/inbox/main.js')], {
    env: { ...process.env, ...env, PORT: String(port), LISTEN_HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitForHttp(`${url}/api/v1/status/health`, 30_000);
  return {
    url,
    child,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** An `app` user created by the configurator, and its token (from its activation link, seed 002's way). */
export async function createAppUser(
  http: () => ReturnType<typeof request>,
  configuratorToken: string,
  username: string,
): Promise<string> {
  const created = await http()
    .post('/api/v1/users/')
    .set('Authorization', `Token ${configuratorToken}`)
    .send({ username, profile: { role: 'app' } })
    .expect(201);
  const activation = new URL(created.body.activation_url as string);
  const answer = await http().get(`${activation.pathname}${activation.search}`).expect(200);
  return answer.body.token as string;
}

/**
 * A human inbox user (role `user`, a seat) created by an admin, activated through its activation
 * page (a password set, CSRF included, as a person would), and its API token.
 */
export async function createAgent(
  http: () => ReturnType<typeof request>,
  asAdmin: Record<string, string>,
  username: string,
): Promise<{ id: number; token: string }> {
  const password = `Agent-${username}-Pass-42`;
  const created = await http()
    .post('/api/v1/users/')
    .set(asAdmin)
    .send({ username, profile: { role: 'user' } })
    .expect(201);
  const activation = new URL(created.body.activation_url as string);
  const page = await http().get(`${activation.pathname}${activation.search}`).expect(200);
  const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.text)![1];
  await http()
    .post(`${activation.pathname}${activation.search}`)
    .set('Cookie', `csrftoken=${csrf}`)
    .type('form')
    .send({ csrfmiddlewaretoken: csrf, password1: password, password2: password })
    .expect(302);
  const token = await http().post('/api/v1/auth/token/').send({ username, password }).expect(200);
  return { id: created.body.id as number, token: token.body.token as string };
}

/** An instance in this process wired to an in-process WhatsApp sandbox, as a test file's fixture. */
export interface InboxWithSandbox {
  sandboxUrl: string;
  inbox: Awaited<ReturnType<typeof startInbox>>;
  env: Record<string, string>;
  secrets: TenantSecrets;
  http: () => ReturnType<typeof request>;
  /**
   * A customer's text as the provider delivers it to the instance (On-Premises shape, straight to
   * its webhook, answered 200): for tests that need the message stored before they go on.
   */
  customerWrites: (from: string, id: string, text?: string) => Promise<unknown>;
  /** Stops the instance, runs `whileDown`, starts it again on the same port and database. */
  restart: (whileDown?: () => Promise<void>) => Promise<void>;
  close: () => Promise<void>;
}

export async function startInboxWithSandbox(
  channel: string,
  overrides: Record<string, string> = {},
): Promise<InboxWithSandbox> {
  const sandbox = await createSandbox();
  await sandbox.listen(0, '127.0.0.1');
  const sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
  const databaseUrl = await createTenantDatabase();
  const port = await freePort();
  const { env, secrets } = bootstrapEnv(databaseUrl, {
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    WABA_API_URL: sandboxUrl,
    WABA_API_KEY: `sandbox_${channel}_k3y`,
    ...overrides,
  });
  const fixture: InboxWithSandbox = {
    sandboxUrl,
    inbox: await startInbox(env),
    env,
    secrets,
    http: () => request(fixture.inbox.app.getHttpServer()),
    customerWrites: (from, id, text = id) =>
      fixture
        .http()
        .post(`/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`)
        .send({
          contacts: [{ profile: { name: `Customer ${from.slice(-4)}` }, wa_id: from }],
          messages: [
            {
              from,
              id,
              timestamp: String(Math.floor(Date.now() / 1000)),
              type: 'text',
              text: { body: text },
            },
          ],
        })
        .expect(200),
    restart: async (whileDown) => {
      await fixture.inbox.app.close();
      await whileDown?.();
      fixture.inbox = await startInbox(env);
    },
    close: async () => {
      await fixture.inbox.app.close();
      await sandbox.close();
      await dropTenantDatabase(databaseUrl);
    },
  };
  return fixture;
}
