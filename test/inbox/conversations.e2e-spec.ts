/**
 * Conversations end to end on real parts: the inbox (in this process, its own database), the
 * WhatsApp sandbox over HTTP (the provider), an app user reading and answering a customer.
 */
import request from 'supertest';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import {
  InboxWithSandbox,
  TenantSecrets,
  createAppUser,
  startInboxWithSandbox,
} from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('inbox conversations with the WhatsApp sandbox', () => {
  const channel = 'chanA1';
  let fixture: InboxWithSandbox;
  let sandboxUrl: string;
  let inbox: InboxWithSandbox['inbox'];
  let secrets: TenantSecrets;
  let env: Record<string, string>;
  let appToken: string;
  const http = () => fixture.http();
  const asApp = () => ({ Authorization: `Token ${appToken}` });
  const asConfigurator = () => ({ Authorization: `Token ${secrets.configuratorToken}` });
  const customer = (n: number) => `49151000000${n}`;
  const inject = (body: Json) => request(sandboxUrl).post(`/sandbox/channels/${channel}/inbound`).send(body);
  const webhook = (body: unknown) =>
    http()
      .post(`/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`)
      .send(body as object);
  const cloud = (value: Json) => ({
    object: 'whatsapp_business_account',
    entry: [
      { id: 'w', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', ...value } }] },
    ],
  });
  const chats = async () => (await http().get('/api/v1/chats/').set(asApp()).expect(200)).body as Json;
  const thread = async (waId: string) =>
    (await http().get(`/api/v1/messages/?wa_id=${waId}`).set(asApp()).expect(200)).body as Json;

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel);
    ({ sandboxUrl, inbox, env, secrets } = fixture);
    appToken = await createAppUser(http, secrets.configuratorToken, 'crm');
  });
  afterAll(() => fixture?.close());

  it('registers its webhook with the provider at start, and says so in its health check', async () => {
    await waitFor(async () => {
      const res = await request(sandboxUrl).get('/v1/configs/webhook').set('D360-API-KEY', env.WABA_API_KEY);
      return res.body.url === `${env.PUBLIC_URL}/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`;
    }, 10_000);
    const health = await http().get('/api/v1/status/health/').expect(200);
    expect(health.body[2]).toEqual({
      check_name: 'provider',
      is_ok: true,
      message: `webhook registered at ${sandboxUrl}`,
    });
  });

  it('shows a message the customer typed in chats/ and messages/, marks it received, and answers it with ticks', async () => {
    const from = customer(1);
    const injected = await inject({ from, name: 'Kerry Smith', text: 'Is my order on its way?' }).expect(202);
    await waitFor(async () => (await chats()).count === 1, 10_000);
    const list = await chats();
    expect(list).toMatchObject({ count: 1, next: null, previous: null });
    expect(list.results[0]).toMatchObject({
      wa_id: from,
      new_messages: 1,
      contact: {
        wa_id: from,
        waba_payload: { profile: { name: 'Kerry Smith' }, wa_id: from },
        initials: 'KS',
      },
      last_message: {
        id: injected.body.id,
        from_us: false,
        received: false,
        customer_wa_id: from,
        waba_payload: { from, id: injected.body.id, type: 'text', text: { body: 'Is my order on its way?' } },
      },
    });

    const read = await http()
      .get(`/api/v1/messages/?wa_id=${from}&mark_as_received=1`)
      .set(asApp())
      .expect(200);
    expect(read.body.count).toBe(1);
    expect((await chats()).results[0].new_messages).toBe(0);
    expect((await thread(from)).results[0].received).toBe(true);

    const sent = await http()
      .post('/api/v1/messages/')
      .set(asApp())
      .send({ wa_id: from, type: 'text', text: { body: 'Yes, it ships today.' } })
      .expect(201);
    expect(sent.body).toMatchObject({
      from_us: true,
      customer_wa_id: from,
      sender: { username: 'crm', profile: { role: 'app' } },
      waba_payload: { to: from, type: 'text', text: { body: 'Yes, it ships today.' } },
      waba_response: { messages: [{ id: sent.body.id }] },
    });
    const onSandbox = await request(sandboxUrl).get(`/sandbox/channels/${channel}/messages`).expect(200);
    expect(onSandbox.body.results[0]).toMatchObject({ id: sent.body.id, to: from, type: 'text' });
    await waitFor(async () => (await thread(from)).results[0].waba_statuses.read !== undefined, 10_000);
    expect(Object.keys((await thread(from)).results[0].waba_statuses).sort()).toEqual([
      'delivered',
      'read',
      'sent',
    ]);
    expect(
      (await request(sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body.results[0].status,
    ).toBe('read');
  });

  it('stores a redelivered webhook once, and takes the On-Premises shape too', async () => {
    const from = customer(2);
    const body = cloud({
      contacts: [{ profile: { name: 'Ana' }, wa_id: from }],
      messages: [
        {
          from,
          id: 'wamid.dup1',
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'hi' },
        },
      ],
    });
    await webhook(body).expect(200);
    await webhook(body).expect(200);
    await webhook({
      contacts: [{ profile: { name: 'Ana' }, wa_id: from }],
      messages: [
        {
          from,
          id: 'wamid.onprem1',
          timestamp: String(Math.floor(Date.now() / 1000)),
          type: 'text',
          text: { body: 'on-prem' },
        },
      ],
    }).expect(200);
    const messages = await thread(from);
    expect(messages.results.map((m: Json) => m.id).sort()).toEqual(['wamid.dup1', 'wamid.onprem1']);
  });

  it('applies statuses in any order, even before their message is known', async () => {
    const from = customer(3);
    const ts = Math.floor(Date.now() / 1000);
    await webhook(
      cloud({
        statuses: [{ id: 'wamid.early', status: 'read', timestamp: String(ts + 2), recipient_id: from }],
      }),
    ).expect(200);
    await webhook(
      cloud({
        statuses: [{ id: 'wamid.early', status: 'delivered', timestamp: String(ts + 1), recipient_id: from }],
      }),
    ).expect(200);
    await webhook(
      cloud({
        messages: [{ from, id: 'wamid.early', timestamp: String(ts), type: 'text', text: { body: 'x' } }],
      }),
    ).expect(200);
    expect((await thread(from)).results[0].waba_statuses).toEqual({ delivered: ts + 1, read: ts + 2 });
  });

  it('refuses a wrong secret (404) and a malformed webhook (400) and stores nothing of it', async () => {
    await http().post('/waba/webhook/not-the-secret/').send(cloud({})).expect(404);
    const before = await inbox.app.get(InboxDb).query<{ n: string }>('SELECT count(*) AS n FROM messages');
    const bad = await webhook({
      messages: [{ from: customer(4), id: 'wamid.ok', timestamp: '1', type: 'text' }, { id: 42 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toContain('messages[].id');
    const after = await inbox.app.get(InboxDb).query<{ n: string }>('SELECT count(*) AS n FROM messages');
    expect(after[0].n).toBe(before[0].n);
  });

  it('keeps free text inside the 24-hour window; templates may go out after it', async () => {
    const from = customer(5);
    const old = Math.floor(Date.now() / 1000) - 2 * 24 * 3600;
    await webhook(
      cloud({
        messages: [{ from, id: 'wamid.old', timestamp: String(old), type: 'text', text: { body: 'old' } }],
      }),
    ).expect(200);
    const refused = await http()
      .post('/api/v1/messages/')
      .set(asApp())
      .send({ wa_id: from, type: 'text', text: { body: 'late' } });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('service_window_closed');
    const template = await http()
      .post('/api/v1/messages/')
      .set(asApp())
      .send({ wa_id: from, type: 'template', template: { name: 'order_update', language: { code: 'en' } } });
    expect(template.status).toBe(201);
  });

  it('sends exactly once when the provider fails then recovers, and once per Idempotency-Key', async () => {
    const from = customer(1);
    const sentBefore = (await request(sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body.results
      .length;
    await request(sandboxUrl).post('/sandbox/faults').send({ fail_sends: 2, status: 503 }).expect(200);
    const key = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const first = await http()
      .post('/api/v1/messages/')
      .set(asApp())
      .set('Idempotency-Key', key)
      .send({ wa_id: from, type: 'text', text: { body: 'once' } })
      .expect(201);
    const again = await http()
      .post('/api/v1/messages/')
      .set(asApp())
      .set('Idempotency-Key', key)
      .send({ wa_id: from, type: 'text', text: { body: 'once' } })
      .expect(201);
    expect(again.body.id).toBe(first.body.id);
    // The key travels with the stored message, so a sending client can match its optimistic bubble.
    expect(first.body.idempotency_key).toBe(key);
    const listed = await http().get(`/api/v1/messages/?wa_id=${from}&limit=1`).set(asApp()).expect(200);
    expect(listed.body.results[0]).toMatchObject({ id: first.body.id, idempotency_key: key });
    const sent = (await request(sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body.results;
    expect(sent.length).toBe(sentBefore + 1);
  });

  it('answers a provider refusal as a 400 with the provider answer in waba_response, keeping nothing', async () => {
    const db = inbox.app.get(InboxDb);
    const before = await db.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE from_us');
    // The sandbox, like the Cloud API, has no `hsm` type (seed 002 still lists it).
    const refused = await http()
      .post('/api/v1/messages/')
      .set(asApp())
      .send({ wa_id: customer(1), type: 'hsm', hsm: { namespace: 'n', element_name: 'e' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      detail: 'WhatsApp refused the message.',
      waba_response: {
        error: expect.objectContaining({ message: expect.stringContaining('Invalid parameter') }),
      },
    });
    const after = await db.query<{ n: string }>('SELECT count(*) AS n FROM messages WHERE from_us');
    expect(after[0].n).toBe(before[0].n);
  });

  it('validates POST messages/ fields in DRF shape', async () => {
    const res = await http().post('/api/v1/messages/').set(asApp()).send({ type: 'text' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ wa_id: ['This field is required.'], text: ['This field is required.'] });
    const bad = await http().get('/api/v1/messages/?before_time=soon').set(asApp());
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ before_time: ['A valid integer is required.'] });
  });

  it('lists persons (seed 002: initials, the customer last message time) and answers an empty contacts/ page', async () => {
    const persons = await http().get('/api/v1/persons/?search=kerry').set(asApp()).expect(200);
    expect(persons.body).toMatchObject({ count: 1, next: null, previous: null });
    expect(persons.body.results[0]).toEqual({
      wa_id: customer(1),
      waba_payload: { profile: { name: 'Kerry Smith' }, wa_id: customer(1) },
      initials: 'KS',
      last_message_timestamp: expect.any(Number),
    });
    const one = await http()
      .get(`/api/v1/persons/${customer(1)}/`)
      .set(asApp())
      .expect(200);
    expect(one.body).toEqual(persons.body.results[0]);
    await http().get('/api/v1/persons/4900000000000/').set(asApp()).expect(404);
    const all = await http().get('/api/v1/persons/?limit=2').set(asApp()).expect(200);
    expect(all.body.count).toBeGreaterThan(2);
    // Past the last page the total is still the total (DRF), for persons, chats and messages alike.
    for (const [path, search] of [
      ['persons', 'kerry'],
      ['chats', 'kerry'],
      ['messages', 'order'],
    ]) {
      const first = await http().get(`/api/v1/${path}/?search=${search}`).set(asApp()).expect(200);
      const beyond = await http().get(`/api/v1/${path}/?search=${search}&offset=50`).set(asApp()).expect(200);
      expect(first.body.count).toBeGreaterThan(0);
      expect([path, beyond.body.count, beyond.body.results]).toEqual([path, first.body.count, []]);
    }
    expect(all.body.next).toBe(`${env.PUBLIC_URL}/api/v1/persons/?limit=2&offset=2`);
    // A chat is found by the text of one of its messages; texts are searched from 3 characters.
    const byText = await http().get('/api/v1/chats/?search=on%20its%20WAY').set(asApp()).expect(200);
    expect(byText.body.results.map((c: Json) => c.wa_id)).toEqual([customer(1)]);
    await http()
      .get('/api/v1/messages/?search=or')
      .set(asApp())
      .expect(400, { search: ['Search for at least 3 characters.'] });
    const contacts = await http().get('/api/v1/contacts/').set(asApp()).expect(200);
    expect(contacts.body).toEqual({ count: 0, next: null, previous: null, results: [] });
  });

  it('answers GET /api/v1/ without auth and sets the csrftoken cookie', async () => {
    const root = await http().get('/api/v1/').expect(200);
    expect(root.body.chats).toBe(`${env.PUBLIC_URL}/api/v1/chats/`);
    expect(root.headers['set-cookie']?.[0]).toMatch(/^csrftoken=[\w-]{32,64};/);
  });

  it('keeps the configurator out of every messaging endpoint', async () => {
    for (const [method, path] of [
      ['get', '/api/v1/persons/'],
      ['get', '/api/v1/contacts/'],
      ['get', '/api/v1/chats/'],
      ['get', '/api/v1/messages/'],
      ['post', '/api/v1/messages/'],
      ['post', '/api/v1/mark_as_received/'],
      ['post', '/api/v1/media/'],
    ] as const) {
      const res = await http()[method](path).set(asConfigurator()).send({});
      expect([path, res.status]).toEqual([path, 403]);
    }
  });
});
