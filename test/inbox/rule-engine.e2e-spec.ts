/**
 * Seed 002's rule engines, played end to end on real parts (the instance, the WhatsApp sandbox,
 * real HTTP receivers): the walkthrough with the default engine (new messages go to the bot first;
 * chats tagged "Agent needed" go to the Regular user group), the same with a custom engine written
 * from the seed's Python example, and a custom engine that fails or answers garbage.
 */
import { ServerResponse } from 'node:http';
import request from 'supertest';
import { Webhook } from 'standardwebhooks';
import { ReceivedRequest, json, startReceiver } from '../support/http-receiver';
import {
  InboxWithSandbox,
  createAgent,
  createAppUser,
  startInboxWithSandbox,
} from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const REGULAR_USERS = 2;

describe('rule engines', () => {
  const channel = 'chanRE';
  let fixture: InboxWithSandbox;
  let botToken: string;
  let botId: number;
  let ana: { id: number; token: string };
  let agentNeeded: number;
  const http = () => fixture.http();
  const asAdmin = () => ({ 'D360-API-KEY': fixture.env.WABA_API_KEY });
  const asBot = () => ({ Authorization: `Token ${botToken}` });
  const customerWrites = (from: string, text: string) =>
    request(fixture.sandboxUrl)
      .post(`/sandbox/channels/${channel}/inbound`)
      .send({ from, name: 'Rule Customer', text })
      .expect(202);
  /** The chat's assignment; `{}` while the sandbox has not delivered the customer's message yet. */
  const assignment = async (waId: string) => {
    const res = await http().get(`/api/v1/chat_assignment/${waId}/`).set(asAdmin());
    return (res.status === 200 ? res.body : {}) as Json;
  };

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel, {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      MAX_NUMBER_OF_SEATS: '10',
      RELAY_RETRY_SCHEDULE_MS: '0,200,200,200',
      RELAY_TIMEOUT_MS: '500',
    });
    botToken = await createAppUser(http, fixture.secrets.configuratorToken, 'spambot');
    botId = (await http().get('/api/v1/users/current/').set(asBot()).expect(200)).body.id;
    ana = await createAgent(http, asAdmin(), 'ana');
    agentNeeded = (
      await http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'Agent needed' }).expect(201)
    ).body.id;
    await waitFor(async () =>
      (await request(fixture.sandboxUrl).get('/sandbox/channels')).body.results.some(
        (c: { webhook_registered: boolean }) => c.webhook_registered,
      ),
    );
  });
  afterAll(() => fixture?.close());

  it('plays seed 002 walkthrough with the default engine: bot first, then "Agent needed" to the agents', async () => {
    const botHook = await startReceiver((_req, res) => void res.end());
    try {
      await http()
        .post('/api/v1/waba_webhooks/')
        .set(asBot())
        .send({ url: botHook.url, events: ['assigned_messages'] })
        .expect(201);
      const first = await http()
        .post('/api/v1/rules/')
        .set(asAdmin())
        .send({ tag: null, assign_to_user: botId });
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        id: expect.any(Number),
        tag: null,
        assign_to_user: botId,
        assign_to_group: null,
        group_assign_method: null,
      });
      await http()
        .post('/api/v1/rules/')
        .set(asAdmin())
        .send({ tag: agentNeeded, assign_to_group: REGULAR_USERS, group_assign_method: 'let_group_decide' })
        .expect(201);
      await http().post('/api/v1/rules/').set(asBot()).send({ assign_to_user: botId }).expect(403); // admins only

      const customer = '4918000000001';
      await customerWrites(customer, 'Hello');
      // The bot is assigned and gets the message on its webhook (assigned_messages).
      await waitFor(async () => (await assignment(customer)).assigned_to_user === botId);
      await waitFor(() => botHook.received.length >= 1);
      const assigned = JSON.parse(botHook.received[0].body).assigned_messages;
      expect(assigned.map((m: Json) => m.waba_payload.text?.body)).toEqual(['Hello']);
      // It answers (with the wa_id of the message it got), then asks for a human by tagging the message.
      await http()
        .post('/api/v1/messages/')
        .set(asBot())
        .send({
          wa_id: assigned[0].waba_payload.from,
          type: 'text',
          text: { body: 'Hello! How may I help you?' },
        })
        .expect(201);
      await http()
        .post('/api/v1/message_tagging/')
        .set(asBot())
        .send({ tag: agentNeeded, message: assigned[0].id })
        .expect(201);
      await waitFor(async () => (await assignment(customer)).assigned_group === REGULAR_USERS);
      expect(await assignment(customer)).toEqual({
        wa_id: customer,
        assigned_to_user: null,
        assigned_group: REGULAR_USERS,
      });
      // An agent of the group finds it and takes it.
      const groupChats = (
        await http()
          .get(`/api/v1/chats/?assigned_group=${REGULAR_USERS}`)
          .set({ Authorization: `Token ${ana.token}` })
          .expect(200)
      ).body;
      expect(groupChats.results.map((c: Json) => c.wa_id)).toContain(customer);
      await http()
        .patch(`/api/v1/chat_assignment/${customer}/`)
        .set({ Authorization: `Token ${ana.token}` })
        .send({ assigned_to_user: ana.id })
        .expect(200);
      // A new message in a chat someone has does not go back to the bot.
      await customerWrites(customer, 'Thanks, human');
      await new Promise((r) => setTimeout(r, 500));
      expect((await assignment(customer)).assigned_to_user).toBe(ana.id);
      const events = (
        await http().get(`/api/v1/chat_assignment_events/?wa_id=${customer}`).set(asAdmin()).expect(200)
      ).body.results;
      expect(events.map((e: Json) => e.done_by?.username ?? 'rule engine')).toEqual([
        'ana',
        'rule engine',
        'rule engine',
      ]);
      expect((await http().get('/api/v1/rule_engine/').set(asAdmin()).expect(200)).body).toMatchObject({
        mode: 'default',
        status: { pending: 0, failed: 0, last_error: null },
      });
    } finally {
      for (const rule of (await http().get('/api/v1/rules/').set(asAdmin())).body.results)
        await http().delete(`/api/v1/rules/${rule.id}/`).set(asAdmin()).expect(204);
      await botHook.close();
    }
  });

  it('applies a custom engine written from seed 002 example, signed, and survives one that fails, times out or answers garbage', async () => {
    let secret = '';
    const calls: Json[] = [];
    let mode: 'seed' | 'down' | 'slow' | 'garbage' = 'seed';
    // Seed 002's Python engine, in TypeScript: new messages to the bot; "Agent needed" to the group.
    const engine = await startReceiver((req: ReceivedRequest, res: ServerResponse) => {
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      const data = JSON.parse(req.body) as Json;
      calls.push(data);
      if (mode === 'down') return void json(res, 503, { error: 'maintenance' });
      if (mode === 'slow') return void setTimeout(() => json(res, 200, { assignment: [] }), 1500);
      if (mode === 'garbage') return void res.end('<html>not json</html>');
      const response: Json = { assignment: [] };
      for (const message of data.incoming_messages ?? [])
        response.assignment.push({ message_id: message.id, user: botId });
      const chat = data.chat_tagging;
      if (chat && chat.action === 'added' && chat.tag.name === 'Agent needed')
        response.assignment.push({
          chat_id: chat.chat,
          group: REGULAR_USERS,
          group_assign_method: 'let_group_decide',
        });
      const message = data.message_tagging;
      if (message && message.action === 'added' && message.tag.name === 'Agent needed')
        response.assignment.push({
          message_id: message.message,
          group: REGULAR_USERS,
          group_assign_method: 'let_group_decide',
        });
      json(res, 200, response);
    });
    try {
      const configured = await http()
        .put('/api/v1/rule_engine/')
        .set(asAdmin())
        .send({ mode: 'custom', url: `${engine.url}/webhook`, headers: { Authorization: 'Bearer engine-1' } })
        .expect(200);
      secret = configured.body.secret;
      expect(secret).toMatch(/^whsec_/);
      expect(configured.body).toMatchObject({ mode: 'custom', url: `${engine.url}/webhook` });

      const customer = '4918000000002';
      await customerWrites(customer, 'Hi engine');
      await waitFor(async () => (await assignment(customer)).assigned_to_user === botId);
      const incoming = calls.find((c) => c.incoming_messages)!;
      // The provider's webhook as it came (the sandbox speaks the Cloud API), with seed 002's field.
      expect(incoming.entry[0].changes[0].value.messages[0].from).toBe(customer);
      const messageId = incoming.incoming_messages[0].id;
      await http()
        .post('/api/v1/message_tagging/')
        .set(asBot())
        .send({ tag: agentNeeded, message: messageId })
        .expect(201);
      await waitFor(async () => (await assignment(customer)).assigned_group === REGULAR_USERS);
      // Both tagging events reach the engine (the second may come after the first one's answer was applied).
      await waitFor(() => calls.some((c) => c.chat_tagging) && calls.some((c) => c.message_tagging));

      // Down: retried (the schedule), visible to admins; ingest goes on meanwhile.
      mode = 'down';
      const before = calls.length;
      const third = '4918000000003';
      await customerWrites(third, 'Anyone there?');
      await waitFor(() => calls.length >= before + 2);
      const status = (await http().get('/api/v1/rule_engine/').set(asAdmin()).expect(200)).body.status;
      expect(status.last_error).toMatch(/HTTP 503/);
      expect(
        (await http().get(`/api/v1/messages/?wa_id=${third}`).set(asAdmin()).expect(200)).body.count,
      ).toBe(1);
      mode = 'seed';
      await waitFor(async () => (await assignment(third)).assigned_to_user === botId);

      // Slower than RELAY_TIMEOUT_MS (500 ms here): given up on, retried, shown; ingest unaffected.
      mode = 'slow';
      const slowCustomer = '4918000000005';
      const beforeSlow = calls.length;
      await customerWrites(slowCustomer, 'Hello, slowly');
      await waitFor(() => calls.length >= beforeSlow + 2, 10_000);
      const slowStatus = (await http().get('/api/v1/rule_engine/').set(asAdmin()).expect(200)).body.status;
      expect(slowStatus.last_error).toMatch(/no answer within 500 ms/);
      expect(
        (await http().get(`/api/v1/messages/?wa_id=${slowCustomer}`).set(asAdmin()).expect(200)).body.count,
      ).toBe(1);
      mode = 'seed';
      await waitFor(async () => (await assignment(slowCustomer)).assigned_to_user === botId, 10_000);

      // Garbage: not retried, recorded as failed, the message kept.
      mode = 'garbage';
      const fourth = '4918000000004';
      const calledBefore = calls.length;
      await customerWrites(fourth, 'And now?');
      await waitFor(
        async () => (await http().get('/api/v1/rule_engine/').set(asAdmin())).body.status.failed === 1,
      );
      expect((await http().get('/api/v1/rule_engine/').set(asAdmin())).body.status.last_error).toMatch(
        /malformed answer: the answer is not JSON/,
      );
      expect(calls.length).toBe(calledBefore + 1);
      expect(await assignment(fourth)).toMatchObject({ assigned_to_user: null });
    } finally {
      await http().put('/api/v1/rule_engine/').set(asAdmin()).send({ mode: 'default' }).expect(200);
      await engine.close();
    }
  });

  it('checks a custom engine’s answer like the API, takes its error field as a failure, and never applies an old event over a newer assignment', async () => {
    let secret = '';
    let mode: 'unknown-group' | 'error' | 'down' | 'bot' = 'unknown-group';
    let calls = 0;
    const engine = await startReceiver((req: ReceivedRequest, res: ServerResponse) => {
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      calls++;
      const data = JSON.parse(req.body) as Json;
      const ids = ((data.incoming_messages ?? []) as Json[]).map((m) => m.id as string);
      if (mode === 'down') return void json(res, 503, { error: 'restarting' });
      // What seed 002's Python example answers when its code raises.
      if (mode === 'error') return void json(res, 200, { error: 'division by zero' });
      if (mode === 'unknown-group')
        return void json(res, 200, {
          assignment: ids.map((id) => ({
            message_id: id,
            group: 99,
            group_assign_method: 'let_group_decide',
          })),
        });
      json(res, 200, { assignment: ids.map((id) => ({ message_id: id, user: botId })) });
    });
    const status = async () =>
      (await http().get('/api/v1/rule_engine/').set(asAdmin()).expect(200)).body.status as Json;
    try {
      secret = (
        await http()
          .put('/api/v1/rule_engine/')
          .set(asAdmin())
          .send({ mode: 'custom', url: `${engine.url}/webhook` })
          .expect(200)
      ).body.secret;
      const failedBefore = (await status()).failed as number;

      // A group that does not exist: the event fails with the reason, nothing is recorded.
      const lost = '4918000000011';
      await customerWrites(lost, 'Which group?');
      await waitFor(async () => (await status()).failed === failedBefore + 1);
      expect((await status()).last_error).toMatch(/refused answer: assignment\[0\]: group 99 does not exist/);
      expect(await assignment(lost)).toMatchObject({ assigned_to_user: null, assigned_group: null });
      const events = await http()
        .get(`/api/v1/chat_assignment_events/?wa_id=${lost}`)
        .set(asAdmin())
        .expect(200);
      expect(events.body.count).toBe(0);

      // HTTP 200 with an error field: a failure with the engine's text, retried like one.
      mode = 'error';
      const erring = '4918000000012';
      const callsBefore = calls;
      await customerWrites(erring, 'Oops?');
      await waitFor(() => calls >= callsBefore + 2);
      expect((await status()).last_error).toMatch(/the engine answered an error: division by zero/);
      mode = 'bot';
      await waitFor(async () => (await assignment(erring)).assigned_to_user === botId);

      // An event retried after an admin assigned the chat by hand is not applied over that.
      mode = 'down';
      const late = '4918000000013';
      const beforeLate = calls;
      await customerWrites(late, 'Is anybody in charge?');
      await waitFor(() => calls > beforeLate);
      await http()
        .patch(`/api/v1/chat_assignment/${late}/`)
        .set(asAdmin())
        .send({ assigned_to_user: ana.id })
        .expect(200);
      mode = 'bot';
      await waitFor(async () => (await status()).pending === 0);
      expect(await assignment(late)).toMatchObject({ assigned_to_user: ana.id });
      expect((await status()).last_error).toMatch(
        /chat 4918000000013: not applied, its assignment changed after this event/,
      );
    } finally {
      await http().put('/api/v1/rule_engine/').set(asAdmin()).send({ mode: 'default' }).expect(200);
      await engine.close();
    }
  });

  it('refuses rules that cannot work, in DRF shape', async () => {
    const bad = async (body: Json) =>
      (await http().post('/api/v1/rules/').set(asAdmin()).send(body).expect(400)).body as Json;
    expect((await bad({})).non_field_errors).toBeDefined();
    expect(
      (await bad({ assign_to_user: botId, assign_to_group: 2, group_assign_method: 'round_robin' }))
        .non_field_errors,
    ).toBeDefined();
    expect((await bad({ assign_to_group: 2 })).group_assign_method).toBeDefined();
    expect((await bad({ tag: 999999, assign_to_user: botId })).tag).toBeDefined();
    expect(
      (await bad({ assign_to_group: 42, group_assign_method: 'round_robin' })).assign_to_group,
    ).toBeDefined();
    await http().put('/api/v1/rule_engine/').set(asAdmin()).send({ mode: 'custom' }).expect(400);
    await http()
      .put('/api/v1/rule_engine/')
      .set(asAdmin())
      .send({ mode: 'custom', url: 'http://169.254.169.254/' })
      .expect(400);
    await http().put('/api/v1/rule_engine/').set(asAdmin()).send({ mode: 'other' }).expect(400);
  });

  it('documents the instance API in OpenAPI at /api/docs', async () => {
    const document = (await http().get('/api/docs/openapi.json').expect(200)).body as Json;
    expect(document.info.title).toContain('Integration API');
    for (const path of [
      '/api/v1/waba_webhooks',
      '/api/v1/waba_webhooks/{id}',
      '/api/v1/tags',
      '/api/v1/message_tagging',
      '/api/v1/chat_assignment/{waId}',
      '/api/v1/rules',
      '/api/v1/rule_engine',
      '/api/v1/permissions/groups/{id}',
      '/api/v1/messages',
    ])
      expect(Object.keys(document.paths)).toContain(path);
    const ui = await http().get('/api/docs').expect(200);
    expect(ui.text).toContain('swagger');
  });
});
