/**
 * Per-user webhooks (seed 002's WABA webhooks) on real parts: the instance in this process with its
 * own database, the WhatsApp sandbox, and real HTTP receivers. The resource, then the relay: byte
 * for byte plus seed 002's added fields, per subscriber choices, signed (verified with the
 * `standardwebhooks` package), in order per chat after a receiver was down, without holding up ingest.
 */
import { ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import type { Worker } from 'node:worker_threads';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import { RelayPoster } from '../../apps/inbox/src/relay/relay-poster';
import { WEBHOOK_EVENTS } from '../../apps/inbox/src/waba-webhooks/webhook-input';
import { ReceivedRequest, startReceiver } from '../support/http-receiver';
import { InboxWithSandbox, createAppUser, startInboxWithSandbox } from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe('per-user webhooks and the relay', () => {
  const channel = 'chanR1';
  let fixture: InboxWithSandbox;
  let crmToken: string;
  let archiveToken: string;
  const receivers: Receiver[] = [];
  const http = () => fixture.http();
  const asAdmin = () => ({ 'D360-API-KEY': fixture.env.WABA_API_KEY });
  const asCrm = () => ({ Authorization: `Token ${crmToken}` });
  const asArchive = () => ({ Authorization: `Token ${archiveToken}` });
  const asConfigurator = () => ({ Authorization: `Token ${fixture.secrets.configuratorToken}` });
  const providerPost = (raw: string) =>
    http()
      .post(`/waba/webhook/${fixture.env.WABA_WEBHOOK_SECRET}/`)
      .set('Content-Type', 'application/json')
      .send(raw);
  /** A Cloud API webhook as the provider writes it, spaced and ordered its own way. */
  const inbound = (from: string, id: string, text: string) =>
    `{"object": "whatsapp_business_account",  "entry":[{"id":"waba-1","changes":[{"value":{"messaging_product":"whatsapp",` +
    `"contacts":[{"profile":{"name":"Relay Kim"},"wa_id":"${from}"}],"messages":[{"from":"${from}","id":"${id}",` +
    `"timestamp":"${Math.floor(Date.now() / 1000)}","type":"text","text":{"body":"${text}"}}]},"field":"messages"}]}]}\n`;
  const receiver = async (
    handler: (req: ReceivedRequest, res: ServerResponse) => void = (_q, r) => r.end(),
  ) => {
    const started = await startReceiver(handler);
    receivers.push(started);
    return started;
  };
  const createWebhook = async (as: Json, body: Json) => {
    const res = await http().post('/api/v1/waba_webhooks/').set(as).send(body);
    expect(res.status).toBe(201);
    return res.body as Json;
  };

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel, {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      RELAY_RETRY_SCHEDULE_MS: '0,300,300,300,300,2000,2000,2000',
    });
    crmToken = await createAppUser(http, fixture.secrets.configuratorToken, 'crm');
    archiveToken = await createAppUser(http, fixture.secrets.configuratorToken, 'archive');
  });
  afterAll(async () => {
    await fixture?.close();
    for (const r of receivers) await r.close();
  });
  afterEach(async () => {
    const all = await http().get('/api/v1/waba_webhooks/').set(asAdmin()).expect(200);
    for (const w of all.body.results) await http().delete(`/api/v1/waba_webhooks/${w.id}/`).set(asAdmin());
  });

  it('is a resource: one per user, the secret shown once, managed by its user, admins and the configurator', async () => {
    await http().get('/api/v1/waba_webhooks/').expect(403);
    const mine = await createWebhook(asCrm(), {
      url: 'http://127.0.0.1:9/hook',
      headers: { 'X-Api-Key': 'k1' },
    });
    expect(mine).toMatchObject({
      url: 'http://127.0.0.1:9/hook',
      headers: { 'X-Api-Key': 'k1' },
      events: [...WEBHOOK_EVENTS], // all six by default (DESIGN.md)
      delivery: { pending: 0, given_up: 0, retry_at: null, last_error: null },
    });
    expect(mine.events).toHaveLength(6);
    expect(mine.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const read = await http().get(`/api/v1/waba_webhooks/${mine.id}/`).set(asCrm()).expect(200);
    expect(read.body.secret).toBeUndefined();
    const second = await http()
      .post('/api/v1/waba_webhooks/')
      .set(asCrm())
      .send({ url: 'http://127.0.0.1:9/b' });
    expect(second.status).toBe(400);
    expect(second.body.user[0]).toMatch(/one per user/);

    // Another user sees nothing of it, cannot touch it, and cannot create one for someone else.
    await http().get(`/api/v1/waba_webhooks/${mine.id}/`).set(asArchive()).expect(404);
    await http().delete(`/api/v1/waba_webhooks/${mine.id}/`).set(asArchive()).expect(404);
    expect((await http().get('/api/v1/waba_webhooks/').set(asArchive()).expect(200)).body.count).toBe(0);
    const forOther = await http()
      .post('/api/v1/waba_webhooks/')
      .set(asArchive())
      .send({ url: 'http://127.0.0.1:9/c', user: mine.user.id });
    expect(forOther.status).toBe(403);

    // The configurator connects an app for a user; an admin sees and changes every webhook.
    const archiveId = (
      await http().get('/api/v1/users/').set(asConfigurator()).expect(200)
    ).body.results.find((u: Json) => u.username === 'archive').id;
    const forArchive = await createWebhook(asConfigurator(), {
      url: 'http://127.0.0.1:9/d',
      user: archiveId,
    });
    expect(forArchive.user).toEqual({
      id: archiveId,
      username: 'archive',
      url: `${fixture.env.PUBLIC_URL}/api/v1/users/${archiveId}/`,
    });
    expect((await http().get('/api/v1/waba_webhooks/').set(asAdmin()).expect(200)).body.count).toBe(2);
    const patched = await http()
      .patch(`/api/v1/waba_webhooks/${forArchive.id}/`)
      .set(asAdmin())
      .send({ events: ['outgoing_messages', 'incoming_messages'] })
      .expect(200);
    expect(patched.body).toMatchObject({
      url: 'http://127.0.0.1:9/d',
      events: ['incoming_messages', 'outgoing_messages'],
    });
    const replaced = await http()
      .put(`/api/v1/waba_webhooks/${forArchive.id}/`)
      .set(asArchive())
      .send({ url: 'https://archive.example.com/in' })
      .expect(200);
    expect(replaced.body).toMatchObject({ url: 'https://archive.example.com/in', headers: {} });
    expect(replaced.body.events).toHaveLength(6);
    await http().delete(`/api/v1/waba_webhooks/${forArchive.id}/`).set(asArchive()).expect(204);
    await http().get(`/api/v1/waba_webhooks/${forArchive.id}/`).set(asAdmin()).expect(404);
  });

  it('refuses what cannot be a receiver, in DRF shape, and cloud metadata addresses (SSRF)', async () => {
    const refused = async (body: Json) => {
      const res = await http().post('/api/v1/waba_webhooks/').set(asCrm()).send(body);
      expect(res.status).toBe(400);
      return res.body as Json;
    };
    expect(await refused({})).toEqual({ url: ['This field is required.'] });
    expect((await refused({ url: 'ftp://files.example.com/' })).url[0]).toMatch(/http or https/);
    expect((await refused({ url: 'not a url' })).url).toEqual(['Enter a valid URL.']);
    expect((await refused({ url: 'https://user:pw@example.com/' })).url[0]).toMatch(/header/);
    expect((await refused({ url: 'http://169.254.169.254/latest/meta-data/' })).url[0]).toMatch(
      /metadata or link-local/,
    );
    expect((await refused({ url: 'http://[::ffff:169.254.169.254]/' })).url[0]).toMatch(/metadata/);
    expect((await refused({ url: 'https://a.example.com/', headers: { Host: 'x' } })).headers[0]).toMatch(
      /set by the relay/,
    );
    expect(
      (await refused({ url: 'https://a.example.com/', headers: { 'X-A': 'a\r\nb' } })).headers[0],
    ).toMatch(/one line/);
    expect((await refused({ url: 'https://a.example.com/', headers: ['X'] })).headers).toBeDefined();
    expect((await refused({ url: 'https://a.example.com/', events: [] })).events).toBeDefined();
    expect((await refused({ url: 'https://a.example.com/', events: ['everything'] })).events[0]).toMatch(
      /not a valid choice/,
    );
    expect((await http().get('/api/v1/waba_webhooks/').set(asCrm()).expect(200)).body.count).toBe(0);
    await http().get('/api/v1/waba_webhooks/abc/').set(asCrm()).expect(404);
  });

  it('relays a provider webhook byte for byte with the added fields each subscriber chose, signed', async () => {
    const incoming = await receiver();
    const outgoing = await receiver();
    const everything = await receiver();
    const a = await createWebhook(asAdmin(), { url: `${incoming.url}/in`, events: ['incoming_messages'] });
    const b = await createWebhook(asCrm(), {
      url: `${outgoing.url}/out`,
      events: ['outgoing_messages'],
      headers: { Authorization: 'Bearer crm-1' },
    });
    const c = await createWebhook(asArchive(), { url: `${everything.url}/all` });

    const raw = inbound('4917600000001', 'wamid.relay-1', 'Hello relay');
    await providerPost(raw).expect(200);
    await waitFor(() => incoming.received.length === 1 && everything.received.length === 1, 10_000);

    for (const [got, secret] of [
      [incoming.received[0], a.secret],
      [everything.received[0], c.secret],
    ] as const) {
      // The provider's bytes up to its closing brace, then seed 002's field.
      const prefix = raw.trimEnd().slice(0, -1);
      expect(got.body.startsWith(prefix + ',"incoming_messages":[')).toBe(true);
      const body = JSON.parse(got.body);
      expect(body.incoming_messages).toHaveLength(1);
      expect(body.incoming_messages[0]).toMatchObject({
        id: 'wamid.relay-1',
        from_us: false,
        customer_wa_id: '4917600000001',
        waba_payload: { text: { body: 'Hello relay' } },
      });
      expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toEqual(body);
      expect(() => new Webhook(b.secret).verify(got.body, got.headers as Record<string, string>)).toThrow();
    }
    expect(incoming.received[0].url).toBe('/in');

    // Relayed messages are received for the webhook's user (seed 002); not for the others.
    const unread = async (as: Json) =>
      (await http().get('/api/v1/chats/').set(as).expect(200)).body.results.find(
        (c: Json) => c.wa_id === '4917600000001',
      ).new_messages;
    await waitFor(async () => (await unread(asArchive())) === 0, 5_000);
    expect(await unread(asCrm())).toBe(1);

    // An inbox user answers: outgoing_messages for those who chose it.
    const sent = await http()
      .post('/api/v1/messages/')
      .set(asAdmin())
      .send({ wa_id: '4917600000001', type: 'text', text: { body: 'Hi from the team' } })
      .expect(201);
    await waitFor(() => outgoing.received.length >= 1 && everything.received.length >= 2, 10_000);
    const out = JSON.parse(outgoing.received[0].body);
    expect(Object.keys(out)).toEqual(['outgoing_messages']);
    expect(out.outgoing_messages[0]).toMatchObject({
      id: sent.body.id,
      from_us: true,
      sender: { username: 'owner@example.com' },
    });
    expect(outgoing.received[0].headers.authorization).toBe('Bearer crm-1');
    expect(JSON.parse(everything.received[1].body).outgoing_messages[0].id).toBe(sent.body.id);
    // The sandbox plays back sent/delivered/read: statuses-only webhooks go to both kinds of subscriber.
    await waitFor(
      () => incoming.received.some((r) => JSON.parse(r.body).entry?.[0].changes[0].value.statuses),
      10_000,
    );
    expect(incoming.received.some((r) => 'outgoing_messages' in JSON.parse(r.body))).toBe(false);
    const ids = [...incoming.received, ...outgoing.received, ...everything.received].map(
      (r) => r.headers['webhook-id'],
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('delivers a chat in order after its receiver was down, each delivery under one webhook-id', async () => {
    let up = false;
    const flaky = await receiver((_req, res) => {
      res.statusCode = up ? 200 : 503;
      res.end(up ? 'ok' : 'down for maintenance');
    });
    await createWebhook(asCrm(), { url: flaky.url, events: ['incoming_messages'] });
    const from = '4917600000002';
    // Only this chat's deliveries (the sandbox may still play back statuses of an earlier send).
    const ours = () => flaky.received.filter((r) => r.body.includes('wamid.down-'));
    const firstId = (r: ReceivedRequest) => JSON.parse(r.body).incoming_messages[0].id as string;
    for (let i = 1; i <= 5; i++)
      await providerPost(inbound(from, `wamid.down-${i}`, `message ${i}`)).expect(200);
    await waitFor(() => ours().length >= 3, 10_000); // the first one, retried
    const state = (await http().get('/api/v1/waba_webhooks/').set(asCrm()).expect(200)).body.results[0];
    expect(state.delivery.pending).toBeGreaterThanOrEqual(5);
    expect(state.delivery.last_error).toMatch(/HTTP 503: down for maintenance/);
    expect(state.delivery.retry_at).not.toBeNull();
    // While its chat waits, nothing after the failing delivery was sent.
    expect(new Set(ours().map(firstId))).toEqual(new Set(['wamid.down-1']));
    up = true;
    await waitFor(
      async () =>
        (await http().get('/api/v1/waba_webhooks/').set(asCrm()).expect(200)).body.results[0].delivery
          .pending === 0,
      10_000,
    );
    // Once up: each delivery once more (the same webhook-id as its failed attempts), in the order they came.
    const ids = new Set(ours().map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(5);
    const afterUp = ours().slice(ours().length - 5);
    expect(afterUp.map(firstId)).toEqual([1, 2, 3, 4, 5].map((i) => `wamid.down-${i}`));
    expect(new Set(afterUp.map((r) => r.headers['webhook-id'])).size).toBe(5);
  });

  it('keeps ingest independent of a slow receiver: every provider webhook is answered before one relay completes', async () => {
    const held: ServerResponse[] = [];
    let release = false;
    const slow = await receiver((_req, res) => (release ? res.end() : void held.push(res)));
    await createWebhook(asCrm(), { url: slow.url, events: ['incoming_messages'] });
    for (let i = 1; i <= 20; i++)
      await providerPost(
        inbound(`49176000001${String(i).padStart(2, '0')}`, `wamid.slow-${i}`, `hi ${i}`),
      ).expect(200);
    await waitFor(() => held.length > 0, 5_000); // the relay is waiting on the receiver…
    const db = fixture.inbox.app.get(InboxDb);
    const pending = async () =>
      Number(
        (await db.query<{ n: string }>(`SELECT count(*) AS n FROM relay_deliveries WHERE done_at IS NULL`))[0]
          .n,
      );
    expect(await pending()).toBe(20); // …none of the 20 is delivered, yet all 20 were stored and answered
    release = true;
    for (const res of held) res.end();
    await waitFor(async () => (await pending()) === 0, 15_000);
    expect(new Set(slow.received.map((r) => JSON.parse(r.body).incoming_messages[0].id)).size).toBe(20);
  });

  it('loses nothing when the posting thread dies mid-batch: the lanes wait for their retry, then all arrive', async () => {
    const held: ServerResponse[] = [];
    let release = false;
    const slow = await receiver((_req, res) => (release ? res.end() : void held.push(res)));
    await createWebhook(asCrm(), { url: slow.url, events: ['incoming_messages'] });
    for (let i = 1; i <= 6; i++)
      await providerPost(inbound('4917600000301', `wamid.thread-${i}`, `hi ${i}`)).expect(200);
    await waitFor(() => held.length > 0, 5_000);
    // The thread is the poster's own (no API stops it): end it the way a crash of it would.
    const poster: unknown = fixture.inbox.app.get(RelayPoster);
    await (poster as { thread: Worker }).thread.terminate();
    const state = async () =>
      (await http().get('/api/v1/waba_webhooks/').set(asCrm()).expect(200)).body.results[0];
    await waitFor(
      async () => /posting thread stopped/.test((await state()).delivery.last_error ?? ''),
      5_000,
    );
    release = true;
    await waitFor(async () => (await state()).delivery.pending === 0, 15_000);
    const ours = slow.received.filter((r) => r.body.includes('wamid.thread-'));
    const firstArrivals = [
      ...new Map(ours.map((r) => [JSON.parse(r.body).incoming_messages[0].id, r])).keys(),
    ];
    expect(firstArrivals).toEqual([1, 2, 3, 4, 5, 6].map((i) => `wamid.thread-${i}`));
    // A repeat comes under the webhook-id of its first attempt.
    expect(new Set(ours.map((r) => r.headers['webhook-id'])).size).toBe(6);
  });
});
