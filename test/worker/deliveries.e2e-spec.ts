/**
 * Delivery rules on the real stack: retries on the (shortened) Svix schedule with a stable
 * webhook-id, 410 stops, redirects are not followed, signed partner events, the 360dialog
 * provider's refusals and outages, and an SMTP server that fails before it accepts.
 */
import { SMTPServer } from 'smtp-server';
import { json, startReceiver } from '../support/http-receiver';
import { unique, uniqueChannel } from '../support/api-harness';
import {
  Platform,
  listenToPartnerEvents,
  setHookAnswer,
  startPlatform,
  verifyPartnerSignature,
  waitForStatus,
} from '../support/platform-harness';
import { waitFor } from '../support/wait';

describe('deliveries', () => {
  let platform: Platform;
  let provider: Awaited<ReturnType<typeof startReceiver>>;
  let events: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: SMTPServer;
  const smtpSeen: { attempts: number; accepted: string[] } = { attempts: 0, accepted: [] };
  const providerCalls = new Map<string, number>();

  beforeAll(async () => {
    provider = await startReceiver((req, res) => {
      const channel = /channels\/([^/]+)\/api_keys/.exec(req.url)?.[1] ?? '';
      const calls = (providerCalls.get(channel) ?? 0) + 1;
      providerCalls.set(channel, calls);
      if (req.headers['x-api-key'] !== 'partner-key') return json(res, 401, { detail: 'bad partner key' });
      if (channel.startsWith('bad'))
        return json(res, 400, { meta: { developer_message: 'Channel is not live' } });
      if (channel.startsWith('flaky') && calls === 1) return json(res, 503, { detail: 'maintenance' });
      json(res, 201, { api_key: `key-${channel}`, id: 'k1' });
    });
    events = await startReceiver((_, res) => void res.writeHead(204).end());
    // Fails the first message with a temporary error, accepts from then on.
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          smtpSeen.attempts++;
          if (smtpSeen.attempts === 1)
            return callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          smtpSeen.accepted.push(...session.envelope.rcptTo.map((r) => r.address));
          callback();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as { port: number }).port;
    platform = await startPlatform({
      redisDb: 13,
      workerEnv: {
        WABA_PROVIDER: '360dialog',
        D360_HUB_URL: provider.url,
        D360_PARTNER_ID: 'pp',
        D360_PARTNER_API_KEY: 'partner-key',
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      },
    });
    platform.startWorker();
    await listenToPartnerEvents(platform, `${events.url}/events`);
  });
  afterAll(async () => {
    await platform?.close();
    await provider?.close();
    await events?.close();
    await new Promise((r) => smtp.close(() => r(undefined)));
  });

  const create = async (body: Record<string, unknown>) => {
    const res = await platform.http().post('/v1/instances').set(platform.partner.auth).send(body);
    expect(res.status).toBe(201);
    return res.body as { id: string; subdomain: string };
  };
  const withConfigurator = (path: string) => ({
    channel_id: uniqueChannel(),
    configurator: { user_name: 'bot', webhook_url: `${platform.hooks.url}${path}` },
  });
  const hooksFor = (path: string) => platform.hooks.received.filter((r) => r.url === path);
  const eventsOf = async (id: string, type: string) =>
    (
      (await platform.http().get(`/v1/instances/${id}`).set(platform.partner.auth)).body.events as {
        type: string;
        message: string;
        data: Record<string, unknown>;
      }[]
    ).filter((e) => e.type === type);
  const verify = (hook: { body: string; headers: Record<string, unknown> }) =>
    verifyPartnerSignature(platform, hook);

  it('retries a failing webhook with the same webhook-id and token until a 2xx, recording each attempt', async () => {
    const path = `/retry-${unique()}`;
    let calls = 0;
    setHookAnswer((req) => (req.url === path ? (++calls <= 2 ? 500 : 200) : 200));
    const { id } = await create(withConfigurator(path));
    await waitFor(async () => (await eventsOf(id, 'webhook.delivered')).length === 1, 20_000);
    const hooks = hooksFor(path);
    expect(hooks).toHaveLength(3);
    expect(new Set(hooks.map((h) => h.headers['webhook-id'])).size).toBe(1);
    expect(new Set(hooks.map((h) => verify(h).token)).size).toBe(1);
    const attempts = await eventsOf(id, 'webhook.attempt');
    expect(attempts.map((a) => a.data.status_code)).toEqual([500, 500, 200]);
    expect(attempts.every((a) => typeof a.data.latency_ms === 'number')).toBe(true);
  });

  it('stops at 410 Gone and does not follow redirects', async () => {
    const gone = `/gone-${unique()}`;
    const moved = `/moved-${unique()}`;
    setHookAnswer((req) => (req.url === gone ? 410 : req.url === moved ? 302 : 200));
    const a = await create(withConfigurator(gone));
    const b = await create(withConfigurator(moved));
    await waitFor(async () => (await eventsOf(a.id, 'webhook.gave_up')).length === 1, 20_000);
    await waitFor(async () => (await eventsOf(b.id, 'webhook.gave_up')).length === 1, 20_000);
    expect(hooksFor(gone)).toHaveLength(1);
    expect(hooksFor(moved)).toHaveLength(8); // every attempt of the schedule, none followed the redirect
    expect((await eventsOf(b.id, 'webhook.gave_up'))[0].message).toContain('after 8 attempts');
    setHookAnswer(() => 200);
  });

  it('sends signed partner events: instance.ready, then instance.deleted', async () => {
    const { id } = await create({ channel_id: uniqueChannel() });
    await waitForStatus(platform, id, 'ready');
    await platform.http().delete(`/v1/instances/${id}`).set(platform.partner.auth).expect(202);
    await waitForStatus(platform, id, 'deleted');
    await waitFor(
      () => Promise.resolve(events.received.filter((e) => e.body.includes(id)).length === 2),
      10_000,
    );
    const mine = events.received.filter((e) => e.body.includes(id)).map((e) => ({ e, body: verify(e) }));
    expect(mine.map((m) => m.body.type)).toEqual(['instance.ready', 'instance.deleted']);
    // The ready event says ready even though the DELETE may have overtaken its delivery.
    expect(mine[0].body.data).toMatchObject({ instance_id: id, status: 'ready' });
    expect(mine[1].body.data).toMatchObject({
      instance_id: id,
      status: 'deleted',
      current_status: 'deleted',
    });
    expect(mine[0].e.headers['webhook-id']).toBe(`msg_${id}_instance_ready`);
  });

  it("fails with the provider's reason on a 4xx and tells the partner; retries a 5xx", async () => {
    const bad = await create({ channel_id: `bad${uniqueChannel()}`.slice(0, 10) });
    const failed = await waitForStatus(platform, bad.id, 'failed');
    expect(failed.status_detail).toContain('Channel is not live');
    await waitFor(() =>
      Promise.resolve(
        events.received.some((e) => e.body.includes(bad.id) && e.body.includes('instance.failed')),
      ),
    );
    const flaky = await create({ channel_id: `flaky${uniqueChannel()}`.slice(0, 10) });
    const ready = await waitForStatus(platform, flaky.id, 'ready', 30_000);
    expect(ready.events.some((e) => e.type === 'step.retry' && e.message.includes('503'))).toBe(true);
  });

  it('retries the activation e-mail after an SMTP error and sends it once', async () => {
    const email = `${unique('admin')}@example.com`;
    const { id } = await create({ channel_id: uniqueChannel(), admin_email: email });
    await waitFor(async () => (await eventsOf(id, 'email.sent')).length === 1, 20_000);
    expect((await eventsOf(id, 'email.attempt'))[0].message).toContain('try again later');
    expect(smtpSeen.accepted.filter((a) => a === email)).toHaveLength(1);
  });
});
