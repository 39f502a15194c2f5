/**
 * Seed 002's permissions on every conversation endpoint and the websocket: each value of
 * can_read_chats and can_write_to_chats, can_use_tags, group settings and a user's own, admins
 * always allowed. Four chats: assigned to Ana, to her group, to Ben, and to nobody.
 */
import WebSocket from 'ws';
import { ACCESS_RECHECK_MS, frameText } from '../../apps/inbox/src/live/live-sockets';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import { InboxWithSandbox, createAgent, startInboxWithSandbox } from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const REGULAR_USERS = 2;
const CHATS = { ana: '4918100000001', group: '4918100000002', ben: '4918100000003', free: '4918100000004' };

describe('permissions', () => {
  let fixture: InboxWithSandbox;
  let ana: { id: number; token: string };
  let ben: { id: number; token: string };
  const http = () => fixture.http();
  const asAdmin = () => ({ 'D360-API-KEY': fixture.env.WABA_API_KEY });
  const asAna = () => ({ Authorization: `Token ${ana.token}` });
  const customerWrites = (from: string, id: string, text?: string) => fixture.customerWrites(from, id, text);
  const setGroup = (body: Json) =>
    http().put(`/api/v1/permissions/groups/${REGULAR_USERS}/`).set(asAdmin()).send(body).expect(200);
  const chatsAnaReads = async () =>
    ((await http().get('/api/v1/chats/').set(asAna()).expect(200)).body.results as Json[])
      .map((c) => c.wa_id)
      .sort();
  const messagesAnaReads = async () =>
    [
      ...new Set(
        (
          (await http().get('/api/v1/messages/?limit=100').set(asAna()).expect(200)).body.results as Json[]
        ).map((m) => m.customer_wa_id),
      ),
    ].sort();
  const anaSends = (waId: string) =>
    http()
      .post('/api/v1/messages/')
      .set(asAna())
      .send({ wa_id: waId, type: 'text', text: { body: 'Hi' } });

  beforeAll(async () => {
    fixture = await startInboxWithSandbox('chanP1', { MAX_NUMBER_OF_SEATS: '10' });
    ana = await createAgent(http, asAdmin(), 'ana');
    ben = await createAgent(http, asAdmin(), 'ben');
    for (const [name, waId] of Object.entries(CHATS)) await customerWrites(waId, `wamid.perm-${name}`);
    const assign = (waId: string, body: Json) =>
      http().patch(`/api/v1/chat_assignment/${waId}/`).set(asAdmin()).send(body).expect(200);
    await assign(CHATS.ana, { assigned_to_user: ana.id });
    await assign(CHATS.group, { assigned_group: REGULAR_USERS });
    await assign(CHATS.ben, { assigned_to_user: ben.id });
  });
  afterAll(() => fixture?.close());

  it('limits what a user reads: chats, messages, a chat assignment, marking received', async () => {
    const all = Object.values(CHATS).sort();
    expect(await chatsAnaReads()).toEqual(all); // the default: all
    await setGroup({ can_read_chats: 'group' });
    expect(await chatsAnaReads()).toEqual([CHATS.ana, CHATS.group].sort());
    expect(await messagesAnaReads()).toEqual([CHATS.ana, CHATS.group].sort());
    await setGroup({ can_read_chats: 'user' });
    expect(await chatsAnaReads()).toEqual([CHATS.ana]);
    expect(await messagesAnaReads()).toEqual([CHATS.ana]);
    await http().get(`/api/v1/chat_assignment/${CHATS.group}/`).set(asAna()).expect(404);
    await http().get(`/api/v1/chat_assignment/${CHATS.ana}/`).set(asAna()).expect(200);
    await http()
      .post('/api/v1/mark_as_received/')
      .set(asAna())
      .send({ timestamp: 1, customer_wa_id: CHATS.free })
      .expect(404);
    await setGroup({ can_read_chats: 'none' });
    expect(await chatsAnaReads()).toEqual([]);
    expect(await messagesAnaReads()).toEqual([]);
    // Her own setting wins over the group's; admins read everything whatever is set.
    const own = await http()
      .put(`/api/v1/permissions/users/${ana.id}/`)
      .set(asAdmin())
      .send({ can_read_chats: 'all' })
      .expect(200);
    expect(own.body.effective).toEqual({
      can_read_chats: 'all',
      can_write_to_chats: 'all',
      can_use_tags: true,
    });
    expect(await chatsAnaReads()).toEqual(all);
    expect((await http().get('/api/v1/users/current/').set(asAna()).expect(200)).body.permissions).toEqual({
      can_read_chats: 'all',
      can_write_to_chats: 'all',
      can_use_tags: true,
    });
    expect(
      (
        await http()
          .get('/api/v1/chats/')
          .set({ Authorization: `Token ${ben.token}` })
      ).body.count,
    ).toBe(0);
    expect((await http().get('/api/v1/chats/').set(asAdmin())).body.count).toBe(4);
    await http().put(`/api/v1/permissions/users/${ana.id}/`).set(asAdmin()).send({}).expect(200);
    await setGroup({});
  });

  it('limits where a user writes, and whether they tag', async () => {
    await setGroup({ can_write_to_chats: 'group' });
    await anaSends(CHATS.group).expect(201);
    await anaSends(CHATS.ana).expect(201);
    expect((await anaSends(CHATS.free).expect(403)).body.detail).toBe(
      'You may only write to chats assigned to you or to your group.',
    );
    await setGroup({ can_write_to_chats: 'user' });
    await anaSends(CHATS.group).expect(403);
    await anaSends(CHATS.ana).expect(201);
    await anaSends('4918100000999').expect(403); // a new chat needs "all"
    await setGroup({ can_write_to_chats: 'none' });
    expect((await anaSends(CHATS.ana).expect(403)).body.detail).toBe('You may not write to chats.');
    await http()
      .post('/api/v1/messages/')
      .set(asAdmin())
      .send({ wa_id: CHATS.free, type: 'text', text: { body: 'Admins write anywhere' } })
      .expect(201);
    await setGroup({ can_use_tags: false });
    const tag = (await http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'VIP' }).expect(201)).body;
    await http()
      .post('/api/v1/chat_tagging/')
      .set(asAna())
      .send({ tag: tag.id, chat: CHATS.ana })
      .expect(403);
    await setGroup({ can_use_tags: true, can_read_chats: 'user' });
    await http()
      .post('/api/v1/chat_tagging/')
      .set(asAna())
      .send({ tag: tag.id, chat: CHATS.ben })
      .expect(404);
    await http()
      .post('/api/v1/chat_tagging/')
      .set(asAna())
      .send({ tag: tag.id, chat: CHATS.ana })
      .expect(201);
    await setGroup({});
    const bad = await http()
      .put(`/api/v1/permissions/groups/${REGULAR_USERS}/`)
      .set(asAdmin())
      .send({ can_read_chats: 'some' });
    expect(bad.status).toBe(400);
    await http().put('/api/v1/permissions/groups/1/').set(asAdmin()).send({}).expect(404); // Admin: always everything
    await http().put(`/api/v1/permissions/groups/${REGULAR_USERS}/`).set(asAna()).send({}).expect(403);
  });

  it('sends a websocket client only the chats its user may read', async () => {
    await setGroup({ can_read_chats: 'group' });
    const socket = new WebSocket(fixture.inbox.url.replace('http', 'ws'));
    const frames: Json[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as Json));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ token: ana.token }));
    await waitFor(() => frames.some((f) => f.type === 'token' && f.status === 'success'));
    try {
      for (const [name, waId] of Object.entries(CHATS)) await customerWrites(waId, `wamid.ws-${name}`);
      await waitFor(
        () => frames.filter((f) => f.type === 'waba_webhook' && f.waba_payload.messages).length >= 2,
      );
      await new Promise((r) => setTimeout(r, 300)); // what else might come
      // (Status frames of earlier sends to her chats may come too: only messages are counted.)
      const seen = frames
        .filter((f) => f.type === 'waba_webhook' && f.waba_payload.messages)
        .map((f) => f.waba_payload.messages[0].id as string);
      expect(seen).toEqual(['wamid.ws-ana', 'wamid.ws-group']);
    } finally {
      socket.close();
      await setGroup({});
    }
  });

  it("applies a permission change, and a user's deactivation, to open websockets within ACCESS_RECHECK_MS", async () => {
    const connect = async (token: string) => {
      const socket = new WebSocket(fixture.inbox.url.replace('http', 'ws'));
      const frames: Json[] = [];
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as Json));
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ token }));
      await waitFor(() => frames.some((f) => f.type === 'token' && f.status === 'success'));
      const messages = () =>
        frames
          .filter((f) => f.type === 'waba_webhook' && f.waba_payload.messages)
          .map((f) => f.waba_payload.messages[0].id as string);
      return { socket, frames, closed, messages };
    };
    const anaSocket = await connect(ana.token);
    const benSocket = await connect(ben.token);
    try {
      await customerWrites(CHATS.free, 'wamid.recheck-1');
      await waitFor(() => anaSocket.messages().includes('wamid.recheck-1'));
      await setGroup({ can_read_chats: 'user' });
      await new Promise((r) => setTimeout(r, ACCESS_RECHECK_MS + 200));
      await customerWrites(CHATS.free, 'wamid.recheck-2');
      await customerWrites(CHATS.ana, 'wamid.recheck-3');
      await waitFor(() => anaSocket.messages().includes('wamid.recheck-3'));
      await new Promise((r) => setTimeout(r, 300)); // what else might come
      expect(anaSocket.messages()).not.toContain('wamid.recheck-2');

      // Ben is deactivated (as an admin console would): his token no longer works, his socket closes.
      await fixture.inbox.app
        .get(InboxDb)
        .query(`UPDATE users SET is_active = false WHERE id = $1`, [ben.id]);
      await new Promise((r) => setTimeout(r, ACCESS_RECHECK_MS + 200));
      await customerWrites(CHATS.ben, 'wamid.recheck-4');
      expect(await benSocket.closed).toBe(4401);
      expect(benSocket.messages()).not.toContain('wamid.recheck-4');
      expect(benSocket.frames.at(-1)).toMatchObject({
        type: 'token',
        status: 'failed',
        message: 'Invalid token.',
      });
    } finally {
      anaSocket.socket.close();
      benSocket.socket.close();
      await fixture.inbox.app.get(InboxDb).query(`UPDATE users SET is_active = true WHERE id = $1`, [ben.id]);
      await setGroup({});
    }
  });
});
