/**
 * Seed 002's websocket on two replicas of one instance (one database): token authentication, then
 * every provider webhook and every message the inbox sends reach clients on either replica
 * (PostgreSQL LISTEN/NOTIFY), with the real `ws` client.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';
import WebSocket from 'ws';
import { freePort } from '@app/runtime';
import { frameText } from '../../apps/inbox/src/live/live-sockets';
import { createSandbox } from '../../apps/waba-sandbox/src/create-sandbox';
import {
  TenantSecrets,
  bootstrapEnv,
  createAppUser,
  createTenantDatabase,
  dropTenantDatabase,
  startInbox,
} from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Frame = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A connected client that keeps every frame it gets. */
async function connect(url: string): Promise<{ socket: WebSocket; frames: Frame[] }> {
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(frameText(data)) as Frame));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  return { socket, frames };
}

describe('inbox websocket (two replicas)', () => {
  const channel = 'liveCh1';
  let sandbox: NestFastifyApplication;
  let sandboxUrl: string;
  let databaseUrl: string;
  let replicas: Awaited<ReturnType<typeof startInbox>>[] = [];
  let secrets: TenantSecrets;
  let appToken: string;
  const clients: WebSocket[] = [];
  const wsUrl = (replica: number) => replicas[replica].url.replace(/^http/, 'ws') + '/';

  beforeAll(async () => {
    sandbox = await createSandbox();
    await sandbox.listen(0, '127.0.0.1');
    sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
    databaseUrl = await createTenantDatabase();
    const [portA, portB] = [await freePort(), await freePort()];
    const boot = bootstrapEnv(databaseUrl, {
      PUBLIC_URL: `http://127.0.0.1:${portA}`, // the provider posts to replica A
      WABA_API_URL: sandboxUrl,
      WABA_API_KEY: `sandbox_${channel}_k3y`,
    });
    secrets = boot.secrets;
    replicas = [
      await startInbox({ ...boot.env, PORT: String(portA) }),
      await startInbox({ ...boot.env, PORT: String(portB) }),
    ];
    appToken = await createAppUser(
      () => request(replicas[1].app.getHttpServer()),
      secrets.configuratorToken,
      'liveapp',
    );
  });
  afterAll(async () => {
    for (const socket of clients) socket.terminate();
    for (const replica of replicas) await replica.app.close();
    await sandbox?.close();
    await dropTenantDatabase(databaseUrl);
  });

  it('answers the token frame: bad_request for a malformed one, failed for a bad or configurator token', async () => {
    const { socket, frames } = await connect(wsUrl(0));
    clients.push(socket);
    socket.send('not json');
    socket.send(JSON.stringify({ token: 'f'.repeat(40) }));
    socket.send(JSON.stringify({ token: secrets.configuratorToken }));
    await waitFor(() => Promise.resolve(frames.length === 3));
    expect(frames[0]).toMatchObject({ type: 'response', status: 'bad_request' });
    expect(frames[1]).toEqual({ type: 'token', status: 'failed', message: 'Invalid token.' });
    expect(frames[2]).toEqual({
      type: 'token',
      status: 'failed',
      message: 'The configurator user cannot use messaging endpoints.',
    });
  });

  it('delivers an inbound message to clients on both replicas, and what the inbox sends too', async () => {
    const a = await connect(wsUrl(0));
    const b = await connect(wsUrl(1));
    clients.push(a.socket, b.socket);
    for (const client of [a, b]) client.socket.send(JSON.stringify({ token: appToken }));
    await waitFor(() => Promise.resolve(a.frames.length === 1 && b.frames.length === 1));
    for (const client of [a, b]) expect(client.frames[0]).toMatchObject({ type: 'token', status: 'success' });

    await waitFor(async () => {
      const res = await request(sandboxUrl).get('/sandbox/channels');
      return res.body.results.some((c: Frame) => c.channel === channel && c.webhook_registered);
    }, 10_000);
    const injected = await request(sandboxUrl)
      .post(`/sandbox/channels/${channel}/inbound`)
      .send({ from: '4915100000099', name: 'Live', text: 'ping' })
      .expect(202);
    const inbound = (frames: Frame[]) =>
      frames.find((f) => f.type === 'waba_webhook' && f.waba_payload.entry?.[0].changes[0].value.messages);
    await waitFor(() => Promise.resolve(Boolean(inbound(a.frames) && inbound(b.frames))), 10_000);
    for (const client of [a, b]) {
      // The provider's webhook body as received (Cloud API shape here).
      expect(inbound(client.frames)!.waba_payload.entry[0].changes[0].value.messages[0]).toMatchObject({
        id: injected.body.id,
        text: { body: 'ping' },
      });
    }

    const sent = await request(replicas[1].app.getHttpServer())
      .post('/api/v1/messages/')
      .set('Authorization', `Token ${appToken}`)
      .send({ wa_id: '4915100000099', type: 'text', text: { body: 'pong' } })
      .expect(201);
    const outgoing = (frames: Frame[]) => frames.find((f) => f.type === 'getchat_webhook');
    await waitFor(() => Promise.resolve(Boolean(outgoing(a.frames) && outgoing(b.frames))), 10_000);
    for (const client of [a, b]) {
      expect(outgoing(client.frames)!.waba_payload.outgoing_messages[0]).toMatchObject({
        id: sent.body.id,
        from_us: true,
        waba_payload: { text: { body: 'pong' } },
        sender: { username: 'liveapp' },
      });
    }
    // Frames mark nothing received.
    const messages = await request(replicas[0].app.getHttpServer())
      .get('/api/v1/messages/?wa_id=4915100000099')
      .set('Authorization', `Token ${appToken}`);
    expect(messages.body.results.find((m: Frame) => !m.from_us).received).toBe(false);
  });
});
