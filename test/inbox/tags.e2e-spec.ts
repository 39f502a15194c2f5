/**
 * Seed 002's tags on real parts (the instance, its database, a real HTTP receiver, a websocket
 * client): tags, message and chat tagging (a message's tag reaches its chat), the event lists, and
 * each change reaching per-user webhooks and the websocket.
 */
import WebSocket from 'ws';
import { Webhook } from 'standardwebhooks';
import { frameText } from '../../apps/inbox/src/live/live-sockets';
import { startReceiver } from '../support/http-receiver';
import { InboxWithSandbox, createAppUser, startInboxWithSandbox } from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('tags and tagging events', () => {
  let fixture: InboxWithSandbox;
  let botToken: string;
  const http = () => fixture.http();
  const asAdmin = () => ({ 'D360-API-KEY': fixture.env.WABA_API_KEY });
  const asBot = () => ({ Authorization: `Token ${botToken}` });
  const asConfigurator = () => ({ Authorization: `Token ${fixture.secrets.configuratorToken}` });
  const customerWrites = (from: string, id: string, text?: string) => fixture.customerWrites(from, id, text);

  beforeAll(async () => {
    fixture = await startInboxWithSandbox('chanT1', { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true' });
    botToken = await createAppUser(http, fixture.secrets.configuratorToken, 'bot');
  });
  afterAll(() => fixture?.close());

  it('keeps tags: created by any user and the configurator, renamed and deleted by admins, names unique, with extra', async () => {
    const created = await http()
      .post('/api/v1/tags/')
      .set(asBot())
      .send({ name: 'Spam', web_inbox_color: '#999', extra: { source: 'crm', priority: 2 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(Number),
      name: 'Spam',
      web_inbox_color: '#999',
      extra: { source: 'crm', priority: 2 },
    });
    const again = await http().post('/api/v1/tags/').set(asConfigurator()).send({ name: 'Spam' });
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ name: ['tag with this name already exists.'] });
    expect((await http().post('/api/v1/tags/').set(asBot()).send({ name: ' ' })).body).toEqual({
      name: ['This field is required.'],
    });
    for (const extra of ['text', [1, 2], { big: 'x'.repeat(17_000) }])
      expect(
        Object.keys(
          (await http().post('/api/v1/tags/').set(asBot()).send({ name: 'Odd', extra }).expect(400)).body,
        ),
      ).toEqual(['extra']);
    await http().patch(`/api/v1/tags/${created.body.id}/`).set(asBot()).send({ name: 'Junk' }).expect(403);
    const renamed = await http()
      .patch(`/api/v1/tags/${created.body.id}/`)
      .set(asAdmin())
      .send({ name: 'Junk' })
      .expect(200);
    // PATCH keeps what it does not name, extra included.
    expect(renamed.body).toEqual({ ...created.body, name: 'Junk' });
    const list = await http().get('/api/v1/tags/').set(asBot()).expect(200);
    expect(list.body.results).toContainEqual(renamed.body);
    // PUT replaces: what it leaves out is cleared.
    const replaced = await http()
      .put(`/api/v1/tags/${created.body.id}/`)
      .set(asAdmin())
      .send({ name: 'Junk' })
      .expect(200);
    expect(replaced.body).toEqual({ id: created.body.id, name: 'Junk', web_inbox_color: null, extra: null });
    await http().delete(`/api/v1/tags/${created.body.id}/`).set(asAdmin()).expect(204);
    await http().get(`/api/v1/tags/${created.body.id}/`).set(asBot()).expect(404);
  });

  it('tags a message and so its chat, tells webhooks and the websocket, and keeps the history', async () => {
    const receiver = await startReceiver((_req, res) => void res.end());
    const hook = await http()
      .post('/api/v1/waba_webhooks/')
      .set(asAdmin())
      .send({ url: receiver.url, events: ['chat_tagging', 'message_tagging'] })
      .expect(201);
    const socket = new WebSocket(fixture.inbox.url.replace('http', 'ws'));
    const frames: Json[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as Json));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ token: botToken }));
    await waitFor(() => frames.some((f) => f.type === 'token' && f.status === 'success'));
    try {
      const from = '4917700000001';
      await customerWrites(from, 'wamid.tag-1', 'I want a human');
      const tag = (
        await http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'Agent needed' }).expect(201)
      ).body;

      const tagging = await http()
        .post('/api/v1/message_tagging/')
        .set(asBot())
        .send({ tag: tag.id, message: 'wamid.tag-1', extra: { reason: 'asked for a human' } });
      expect(tagging.status).toBe(201);
      expect(tagging.body).toEqual({
        id: expect.any(Number),
        tag: tag.id,
        message: 'wamid.tag-1',
        extra: { reason: 'asked for a human' },
      });
      const twice = await http()
        .post('/api/v1/message_tagging/')
        .set(asBot())
        .send({ tag: tag.id, message: 'wamid.tag-1' });
      expect(twice.status).toBe(400);
      expect(twice.body.non_field_errors[0]).toMatch(/unique set/);

      // The message and its chat show the tag.
      const message = (await http().get(`/api/v1/messages/?wa_id=${from}`).set(asBot()).expect(200)).body
        .results[0];
      expect(message.tags).toEqual([
        {
          id: tag.id,
          name: 'Agent needed',
          web_inbox_color: null,
          tagging_id: tagging.body.id,
          extra: { reason: 'asked for a human' },
        },
      ]);
      const chat = (await http().get('/api/v1/chats/').set(asBot()).expect(200)).body.results.find(
        (c: Json) => c.wa_id === from,
      );
      expect(chat.tags.map((t: Json) => t.name)).toEqual(['Agent needed']);
      expect(chat.last_message.tags).toHaveLength(1);

      // The history, with who did it.
      const events = (
        await http().get(`/api/v1/message_tagging_events/?wa_id=${from}`).set(asBot()).expect(200)
      ).body;
      expect(events.count).toBe(1);
      expect(events.results[0]).toMatchObject({
        action: 'added',
        tag: { id: tag.id, name: 'Agent needed' },
        message: 'wamid.tag-1',
        extra: { reason: 'asked for a human' },
        done_by: { username: 'bot', profile: { role: 'app' } },
      });
      const chatEvents = (
        await http().get(`/api/v1/chat_tagging_events/?wa_id=${from}`).set(asBot()).expect(200)
      ).body;
      expect(chatEvents.results[0]).toMatchObject({
        action: 'added',
        chat: from,
        tag: { name: 'Agent needed' },
      });

      // Webhook subscribers get both events, in order, signed; the websocket too.
      await waitFor(() => receiver.received.length >= 2);
      const bodies = receiver.received.map((r) => {
        new Webhook(hook.body.secret).verify(r.body, r.headers as Record<string, string>);
        return JSON.parse(r.body) as Json;
      });
      expect(Object.keys(bodies[0])).toEqual(['message_tagging']);
      expect(bodies[0].message_tagging).toEqual(events.results[0]);
      expect(bodies[1].chat_tagging).toMatchObject({ action: 'added', chat: from });
      await waitFor(() => frames.filter((f) => f.type === 'getchat_webhook').length >= 2);
      expect(
        frames.filter((f) => f.type === 'getchat_webhook').map((f) => Object.keys(f.waba_payload)[0]),
      ).toEqual(['message_tagging', 'chat_tagging']);

      // Removing the message's tag is an event; the chat keeps its own tagging.
      await http().delete(`/api/v1/message_tagging/${tagging.body.id}/`).set(asBot()).expect(204);
      await http().get(`/api/v1/message_tagging/${tagging.body.id}/`).set(asBot()).expect(404);
      const after = (
        await http().get(`/api/v1/message_tagging_events/?message_id=wamid.tag-1`).set(asBot()).expect(200)
      ).body.results;
      expect(after.map((e: Json) => e.action)).toEqual(['removed', 'added']);
      await waitFor(() => receiver.received.length >= 3);
      expect(JSON.parse(receiver.received[2].body).message_tagging.action).toBe('removed');
      const still = (await http().get('/api/v1/chats/').set(asBot()).expect(200)).body.results.find(
        (c: Json) => c.wa_id === from,
      );
      expect(still.tags).toHaveLength(1);

      // A chat tagged directly, then untagged.
      const direct = await http()
        .post('/api/v1/chat_tagging/')
        .set(asBot())
        .send({ tag: tag.id, chat: from });
      expect(direct.status).toBe(400); // it has the tag already
      const other = '4917700000002';
      await customerWrites(other, 'wamid.tag-2', 'Hello');
      const onChat = await http()
        .post('/api/v1/chat_tagging/')
        .set(asBot())
        .send({ tag: tag.id, chat: other })
        .expect(201);
      expect(onChat.body).toEqual({ id: expect.any(Number), tag: tag.id, chat: other, extra: null });
      await http().delete(`/api/v1/chat_tagging/${onChat.body.id}/`).set(asBot()).expect(204);
      const otherEvents = (
        await http().get(`/api/v1/chat_tagging_events/?wa_id=${other}`).set(asBot()).expect(200)
      ).body;
      expect(otherEvents.results.map((e: Json) => e.action)).toEqual(['removed', 'added']);
    } finally {
      socket.close();
      await receiver.close();
    }
  });

  it('refuses bad taggings in DRF shape, and the configurator (tagging is messaging)', async () => {
    const bad = async (path: string, body: Json) => {
      const res = await http().post(`/api/v1/${path}/`).set(asBot()).send(body);
      expect(res.status).toBe(400);
      return res.body as Json;
    };
    expect(await bad('message_tagging', {})).toEqual({
      tag: ['This field is required: the id of a tag.'],
      message: ['This field is required.'],
    });
    expect((await bad('message_tagging', { tag: 999999, message: 'wamid.nope' })).message[0]).toMatch(
      /does not exist/,
    );
    expect((await bad('chat_tagging', { tag: 1, chat: '+49 abc' })).chat).toBeDefined();
    expect((await bad('chat_tagging', { tag: 1, chat: '4917700000001', extra: [1] })).extra).toEqual([
      'Expected an object.',
    ]);
    await http()
      .post('/api/v1/chat_tagging/')
      .set(asConfigurator())
      .send({ tag: 1, chat: '4917700000001' })
      .expect(403);
    await http().get('/api/v1/chat_tagging_events/?wa_id=x').set(asBot()).expect(400);
    await http().get('/api/v1/message_tagging/abc/').set(asBot()).expect(404);
  });
});
