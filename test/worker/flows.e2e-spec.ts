import request from 'supertest';
import WebSocket from 'ws';
import { frameText } from '../../apps/inbox/src/live/live-sockets';
/**
 * Seed 001's three creation flows on the real stack: API, worker process, instance processes,
 * gateway, SMTP (mail catcher), webhook receivers, headless Chromium.
 */
import { Browser } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { launchChromium } from '../support/browser';
import { uniqueChannel, unique } from '../support/api-harness';
import { Platform, WorkerProcess, startPlatform, waitForStatus } from '../support/platform-harness';
import { freePort } from '@app/runtime';
import { waitFor } from '../support/wait';

describe('provisioning flows end to end', () => {
  let platform: Platform;
  let worker: WorkerProcess;
  let browser: Browser;
  let healthPort: number;

  beforeAll(async () => {
    platform = await startPlatform({ redisDb: 14 });
    healthPort = await freePort();
    worker = platform.startWorker({ WORKER_HEALTH_PORT: String(healthPort) });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await platform?.close();
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await platform.http().post('/v1/instances').set(platform.partner.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; subdomain: string; activation_url?: string };
  };
  /** Opens an activation link, sets the password, and lands in /admin/. */
  const activateInBrowser = async (link: string, password: string) => {
    const page = await browser.newPage();
    await page.goto(link);
    expect(await page.title()).toContain('Activate your account');
    await page.fill('#password1', password);
    await page.fill('#password2', password);
    await Promise.all([page.waitForURL('**/admin/'), page.click('text=SAVE')]);
    await page.close();
  };
  const hooksFor = (path: string) => platform.hooks.received.filter((r) => r.url === path);

  it('configurator flow: one signed token webhook, the token works on the instance, then it is wiped', async () => {
    const path = `/token-${unique()}`;
    const channel = uniqueChannel();
    const created = await create({
      channel_id: channel,
      configurator: {
        user_name: 'automation',
        webhook_url: `${platform.hooks.url}${path}`,
        webhook_headers: { 'X-Partner-Auth': 'let-me-in' },
      },
    });
    const ready = await waitForStatus(platform, created.id, 'ready');
    expect(ready.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['status.accepted', 'status.provisioning', 'status.starting', 'status.ready']),
    );
    await waitFor(() => Promise.resolve(hooksFor(path).length === 1));
    const [hook] = hooksFor(path);
    expect(hook.headers['x-partner-auth']).toBe('let-me-in');
    expect(hook.headers['content-type']).toBe('application/json');
    const verified = new Webhook(platform.partner.signingSecret).verify(hook.body, {
      'webhook-id': hook.headers['webhook-id'] as string,
      'webhook-timestamp': hook.headers['webhook-timestamp'] as string,
      'webhook-signature': hook.headers['webhook-signature'] as string,
    }) as { token: string };
    expect(verified.token).toMatch(/^[0-9a-f]{40}$/);

    const me = await platform
      .instance(created.subdomain)
      .get('/api/v1/users/current/')
      .set('Authorization', `Token ${verified.token}`);
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('automation');

    // The partner's automation connects an app; a customer writes on WhatsApp; the app answers.
    const instance = platform.instance(created.subdomain);
    const app = await instance
      .post('/api/v1/users/')
      .set('Authorization', `Token ${verified.token}`)
      .send({ username: 'crm', profile: { role: 'app' } });
    expect(app.status).toBe(201);
    const activation = new URL(app.body.activation_url as string);
    const appToken = (await instance.get(`${activation.pathname}${activation.search}`)).body.token as string;
    const asApp = { Authorization: `Token ${appToken}` };
    const sandbox = () => request(platform.sandboxUrl);
    await waitFor(
      async () =>
        (await sandbox().get('/sandbox/channels')).body.results.some(
          (c: { channel: string; webhook_registered: boolean }) =>
            c.channel === channel && c.webhook_registered,
        ),
      15_000,
    );
    // A live client on the websocket host, through the gateway (seed 002's websockets-{subdomain}).
    const live = new WebSocket(`ws://127.0.0.1:${platform.gatewayPort}/`, {
      headers: { Host: `websockets-${created.subdomain}.localhost:${platform.gatewayPort}` },
    });
    const frames: { type: string }[] = [];
    live.on('message', (data) => frames.push(JSON.parse(frameText(data)) as { type: string }));
    await new Promise((resolve, reject) => live.once('open', resolve).once('error', reject));
    live.send(JSON.stringify({ token: appToken }));
    await waitFor(() => Promise.resolve(frames.length === 1));
    expect(frames[0]).toMatchObject({ type: 'token', status: 'success' });
    await sandbox()
      .post(`/sandbox/channels/${channel}/inbound`)
      .send({ from: '4915100000077', name: 'Kerry', text: 'Hello, shop!' })
      .expect(202);
    await waitFor(() => Promise.resolve(frames.some((f) => f.type === 'waba_webhook')), 15_000);
    live.terminate();
    await waitFor(async () => (await instance.get('/api/v1/chats/').set(asApp)).body.count === 1, 15_000);
    const chats = await instance.get('/api/v1/chats/').set(asApp);
    expect(chats.body.results[0]).toMatchObject({ wa_id: '4915100000077', new_messages: 1 });
    const reply = await instance
      .post('/api/v1/messages/')
      .set(asApp)
      .send({ wa_id: '4915100000077', type: 'text', text: { body: 'Hello Kerry!' } });
    expect(reply.status).toBe(201);
    await waitFor(async () => {
      const [sent] = (await sandbox().get(`/sandbox/channels/${channel}/messages`)).body.results;
      return sent?.id === reply.body.id && sent.status === 'read';
    }, 15_000);

    await waitFor(async () => {
      const [row] = await platform.dataSource.query(
        `SELECT configurator_token_enc FROM instances WHERE id = $1`,
        [created.id],
      );
      return row.configurator_token_enc === null;
    });
    const detail = await platform.http().get(`/v1/instances/${created.id}`).set(platform.partner.auth);
    const attempts = detail.body.events.filter((e: { type: string }) => e.type === 'webhook.attempt');
    expect(attempts).toHaveLength(1);
    expect(attempts[0].data).toMatchObject({ attempt: 1, status_code: 200 });
    expect(JSON.stringify(detail.body)).not.toContain(verified.token);
  });

  it('admin e-mail flow: the activation e-mail arrives once, and its link activates the admin in Chromium', async () => {
    const email = `${unique('owner')}@example.com`;
    const created = await create({ channel_id: uniqueChannel(), admin_email: email });
    await waitForStatus(platform, created.id, 'ready');
    await waitFor(() => Promise.resolve(platform.catcher.messages.some((m) => m.to.includes(email))));
    const mails = platform.catcher.messages.filter((m) => m.to.includes(email));
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('WhatsApp Inbox Activation');
    expect(mails[0].html).toContain('/confirm_account?c=');
    // Seed 001's sentence, with the link on "Activate".
    expect(mails[0].text).toContain(
      'Click here to activate your inbox and set your password: Activate (http',
    );
    expect(mails[0].html).toMatch(
      /Click here to activate your inbox and set your password: <a id="activate" href="[^"]+\/confirm_account\?c=[^"]+"[^>]*>Activate<\/a>/,
    );
    const link = /(http:\/\/\S+\/confirm_account\?c=[\w-]+)/.exec(mails[0].text ?? '')![1];
    expect(link.startsWith(`http://${created.subdomain}.localhost:${platform.gatewayPort}/`)).toBe(true);

    await activateInBrowser(link, 'Velvet-Orchard-58');

    const token = await platform
      .instance(created.subdomain)
      .post('/api/v1/auth/token/')
      .send({ username: email, password: 'Velvet-Orchard-58' });
    expect(token.status).toBe(200);
    expect(token.body.token).toMatch(/^[0-9a-f]{40}$/);
    const [row] = await platform.dataSource.query(
      `SELECT activation_code_enc, checkpoint FROM instances WHERE id = $1`,
      [created.id],
    );
    expect(row.activation_code_enc).toBeNull();
    expect(row.checkpoint.email).toBe('sent');
  });

  it('generate_activation flow: the link returned at creation activates once the instance is healthy', async () => {
    const created = await create({ channel_id: uniqueChannel(), generate_activation: true });
    expect(created.activation_url).toMatch(/\/confirm_account\?c=/);
    await waitForStatus(platform, created.id, 'ready');
    await activateInBrowser(created.activation_url!, 'Quiet-Harbour-917');
    const token = await platform
      .instance(created.subdomain)
      .post('/api/v1/auth/token/')
      .send({ username: 'admin', password: 'Quiet-Harbour-917' });
    expect(token.status).toBe(200);
    expect(platform.catcher.messages.some((m) => m.raw.includes(created.subdomain))).toBe(false);
  });

  it('delete tears down the process, the database and the role, wipes secrets, and is idempotent', async () => {
    const created = await create({ d360_api_key: 'givenKey123', generate_activation: true });
    await waitForStatus(platform, created.id, 'ready');
    expect(platform.runtime.processesOf(created.id)).toHaveLength(1);
    expect(await platform.databases.exists(created.id)).toEqual({ database: true, role: true });
    await platform.http().delete(`/v1/instances/${created.id}`).set(platform.partner.auth).expect(202);
    await waitForStatus(platform, created.id, 'deleted');
    await platform.http().delete(`/v1/instances/${created.id}`).set(platform.partner.auth).expect(202);
    expect(platform.runtime.processesOf(created.id)).toHaveLength(0);
    expect(await platform.databases.exists(created.id)).toEqual({ database: false, role: false });
    const [row] = await platform.dataSource.query(
      `SELECT waba_api_key_enc, database_password_enc, secret_key_enc, activation_code_enc FROM instances WHERE id = $1`,
      [created.id],
    );
    expect(Object.values(row)).toEqual([null, null, null, null]);
    expect((await platform.instance(created.subdomain).get('/api/v1/status/health')).status).toBe(404);
    expect(worker.child.exitCode).toBeNull();
  });

  it('serves /healthz and Prometheus /metrics with job counts on WORKER_HEALTH_PORT', async () => {
    const health = await fetch(`http://127.0.0.1:${healthPort}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    expect(metrics).toMatch(
      /worker_jobs_total\{queue="provisioning",job="instance.provision",outcome="done"\} [1-9]/,
    );
    expect(metrics).toMatch(
      /worker_jobs_total\{queue="delivery",job="instance.configurator_webhook",outcome="done"\} [1-9]/,
    );
    expect(metrics).toContain('worker_job_duration_seconds_bucket');
  });
});
