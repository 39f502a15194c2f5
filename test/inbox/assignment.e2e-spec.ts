/**
 * Seed 002's chat assignment on real parts: who may take, give up and reassign a chat, the event
 * list, the assigned_to_me and assigned_group filters, the chat payload, and what webhooks get
 * (chat_assignment for subscribers, assigned_messages for the assignee), then round robin fairness.
 */
import WebSocket from 'ws';
import { AssignmentService } from '../../apps/inbox/src/assignment/assignment.service';
import { frameText } from '../../apps/inbox/src/live/live-sockets';
import { startReceiver } from '../support/http-receiver';
import { InboxWithSandbox, createAgent, startInboxWithSandbox } from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('chat assignment', () => {
  let fixture: InboxWithSandbox;
  let ana: { id: number; token: string };
  let ben: { id: number; token: string };
  const http = () => fixture.http();
  const asAdmin = () => ({ 'D360-API-KEY': fixture.env.WABA_API_KEY });
  const as = (agent: { token: string }) => ({ Authorization: `Token ${agent.token}` });
  const customerWrites = (from: string, id: string, text?: string) => fixture.customerWrites(from, id, text);
  const assign = (who: Json, waId: string, body: Json) =>
    http().patch(`/api/v1/chat_assignment/${waId}/`).set(who).send(body);

  beforeAll(async () => {
    fixture = await startInboxWithSandbox('chanA9', {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      MAX_NUMBER_OF_SEATS: '10',
    });
    ana = await createAgent(http, asAdmin(), 'ana');
    ben = await createAgent(http, asAdmin(), 'ben');
  });
  afterAll(() => fixture?.close());

  it('lets a user take a free chat and give it up, and only admins reassign, as seed 002 says', async () => {
    const chat = '4917800000001';
    await customerWrites(chat, 'wamid.as-1', 'Who can help me?');
    expect((await http().get(`/api/v1/chat_assignment/${chat}/`).set(as(ana)).expect(200)).body).toEqual({
      wa_id: chat,
      assigned_to_user: null,
      assigned_group: null,
    });
    await http().get('/api/v1/chat_assignment/4917800009999/').set(as(ana)).expect(404);

    expect((await assign(as(ana), chat, { assigned_to_user: ana.id })).body).toEqual({
      wa_id: chat,
      assigned_to_user: ana.id,
      assigned_group: null,
    });
    expect((await assign(as(ben), chat, { assigned_to_user: ben.id })).status).toBe(403);
    expect((await assign(as(ben), chat, { assigned_to_user: null })).status).toBe(403);
    expect((await assign(as(ana), chat, { assigned_group: 2 })).body.assigned_to_user).toBe(ana.id); // PATCH keeps the user
    expect((await assign(asAdmin(), chat, { assigned_to_user: ben.id })).status).toBe(200);
    expect((await assign(as(ben), chat, { assigned_to_user: null })).body.assigned_to_user).toBeNull();
    const put = await http()
      .put(`/api/v1/chat_assignment/${chat}/`)
      .set(as(ana))
      .send({ assigned_to_user: ana.id });
    expect(put.body).toEqual({ wa_id: chat, assigned_to_user: ana.id, assigned_group: null }); // PUT clears the group
    expect((await assign(asAdmin(), chat, { assigned_to_user: 999999 })).body).toEqual({
      assigned_to_user: ['Invalid pk "999999" - object does not exist.'],
    });
    expect((await assign(asAdmin(), chat, { assigned_group: 'x' })).status).toBe(400);
    await assign({ Authorization: `Token ${fixture.secrets.configuratorToken}` }, chat, {}).expect(403);

    const events = (
      await http().get(`/api/v1/chat_assignment_events/?wa_id=${chat}`).set(as(ana)).expect(200)
    ).body;
    expect(events.count).toBe(5);
    expect(events.results[0]).toMatchObject({
      wa_id: chat,
      assigned_to_user_set: { id: ana.id, username: 'ana' },
      assigned_to_user_was_cleared: false,
      assigned_group_set: null,
      assigned_group_was_cleared: true,
      done_by: { username: 'ana' },
    });
    expect(events.results[1]).toMatchObject({
      assigned_to_user_set: null,
      assigned_to_user_was_cleared: true,
    });
    expect(events.results[3]).toMatchObject({ assigned_group_set: { id: 2, name: 'Regular user' } });
  });

  it('filters chats and messages by assignment, and shows the assignee in the chat', async () => {
    const mine = '4917800000002';
    const theirs = '4917800000003';
    await customerWrites(mine, 'wamid.as-2', 'Mine');
    await customerWrites(theirs, 'wamid.as-3', 'Theirs');
    await assign(asAdmin(), mine, { assigned_to_user: ana.id, assigned_group: 2 }).expect(200);
    await assign(asAdmin(), theirs, { assigned_to_user: ben.id }).expect(200);
    const chats = (await http().get('/api/v1/chats/?assigned_to_me=true').set(as(ana)).expect(200)).body;
    const ids = chats.results.map((c: Json) => c.wa_id);
    expect(ids).toContain(mine);
    expect(ids).not.toContain(theirs);
    const chat = chats.results.find((c: Json) => c.wa_id === mine);
    expect(chat.assigned_to_user).toMatchObject({ id: ana.id, username: 'ana', profile: { role: 'user' } });
    expect(chat.assigned_group).toEqual({ id: 2, name: 'Regular user' });
    const messages = (await http().get('/api/v1/messages/?assigned_to_me=1').set(as(ana)).expect(200)).body;
    expect(new Set(messages.results.map((m: Json) => m.customer_wa_id))).not.toContain(theirs);
    const group = (await http().get('/api/v1/chats/?assigned_group=2').set(as(ben)).expect(200)).body;
    expect(group.results.map((c: Json) => c.wa_id)).toEqual([mine]);
    await http().get('/api/v1/chats/?assigned_group=1').set(as(ben)).expect(400); // not ben's group
    await http().get('/api/v1/chats/?assigned_to_me=maybe').set(as(ben)).expect(400);
  });

  it('tells chat_assignment subscribers, and sends the assignee its chat (assigned_messages)', async () => {
    const everyone = await startReceiver((_req, res) => void res.end());
    const anas = await startReceiver((_req, res) => void res.end());
    await http()
      .post('/api/v1/waba_webhooks/')
      .set(asAdmin())
      .send({ url: everyone.url, events: ['chat_assignment'] })
      .expect(201);
    await http()
      .post('/api/v1/waba_webhooks/')
      .set(as(ana))
      .send({ url: anas.url, events: ['assigned_messages'] })
      .expect(201);
    const socket = new WebSocket(fixture.inbox.url.replace('http', 'ws'));
    const frames: Json[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as Json));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ token: ben.token }));
    await waitFor(() => frames.some((f) => f.type === 'token' && f.status === 'success'));
    try {
      const chat = '4917800000004';
      await customerWrites(chat, 'wamid.as-4a', 'First');
      await customerWrites(chat, 'wamid.as-4b', 'Second');
      await assign(asAdmin(), chat, { assigned_to_user: ana.id }).expect(200);
      await waitFor(() => everyone.received.length >= 1 && anas.received.length >= 1);
      expect(JSON.parse(everyone.received[0].body).chat_assignment).toMatchObject({
        wa_id: chat,
        assigned_to_user_set: { username: 'ana' },
        done_by: { username: 'owner@example.com' },
      });
      // Websocket clients hear of it too (seed 002's getchat_webhook frames carry our events).
      await waitFor(() => frames.some((f) => f.type === 'getchat_webhook' && f.waba_payload.chat_assignment));
      expect(frames.find((f) => f.waba_payload?.chat_assignment)!.waba_payload.chat_assignment).toMatchObject(
        {
          wa_id: chat,
          assigned_to_user_set: { username: 'ana' },
        },
      );
      const assigned = JSON.parse(anas.received[0].body);
      expect(assigned.assigned_messages.map((m: Json) => m.id)).toEqual(['wamid.as-4a', 'wamid.as-4b']);
      // A new message in her chat: the provider's webhook with assigned_messages, to her only.
      await customerWrites(chat, 'wamid.as-4c', 'Third');
      await waitFor(() => anas.received.length >= 2);
      const next = JSON.parse(anas.received[1].body);
      expect(next.messages[0].id).toBe('wamid.as-4c');
      expect(next.assigned_messages.map((m: Json) => m.id)).toEqual(['wamid.as-4c']);
      expect(next.incoming_messages).toBeUndefined();
      // Another chat's message is not hers.
      await customerWrites('4917800000005', 'wamid.as-5', 'Not hers');
      await new Promise((r) => setTimeout(r, 300));
      expect(anas.received).toHaveLength(2);
    } finally {
      socket.close();
      await everyone.close();
      await anas.close();
    }
  });

  it('shares 300 chats evenly by round robin among a group', async () => {
    const cara = await createAgent(http, asAdmin(), 'cara');
    const service = fixture.inbox.app.get(AssignmentService);
    const counts = new Map<number, number>();
    for (let i = 0; i < 300; i++) {
      const chat = `49179${String(i).padStart(8, '0')}`;
      await customerWrites(chat, `wamid.rr-${i}`, 'hello');
      const change = await service.applyRule(chat, { group: 2, method: 'round_robin' });
      const user = change!.after.assigned_to_user!;
      expect(change!.after.assigned_group).toBe(2);
      counts.set(user, (counts.get(user) ?? 0) + 1);
    }
    expect(new Set(counts.keys())).toEqual(new Set([ana.id, ben.id, cara.id]));
    expect([...counts.values()]).toEqual([100, 100, 100]);
  });
});
