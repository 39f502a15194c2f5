/**
 * A send cut off by a crash (issue 21): the instance process dies (fault injection, SIGKILL) after
 * the provider took an agent's message and before the instance recorded the provider's answer, on
 * a request without an Idempotency-Key. After the restart the send is reconciled under the
 * reference the instance gave it: the message has its provider id, it is listed once, and the
 * customer got it once.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createSandbox } from '../../apps/waba-sandbox/src/create-sandbox';
import {
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInboxProcess,
} from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('inbox: a send cut off by a crash', () => {
  const channel = 'chanCrash';
  const customer = '4917700000001';
  let sandbox: NestFastifyApplication;
  let sandboxUrl: string;
  let databaseUrl: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    sandbox = await createSandbox();
    await sandbox.listen(0, '127.0.0.1');
    sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
    databaseUrl = await createTenantDatabase();
    env = bootstrapEnv(databaseUrl, {
      WABA_API_URL: sandboxUrl,
      WABA_API_KEY: `sandbox_${channel}_k3y`,
      FAULT_INJECTION: 'inbox.send.answered',
      FAULT_MARKER_DIR: mkdtempSync(join(tmpdir(), 'crash-send-')),
    }).env;
  });
  afterAll(async () => {
    await sandbox.close();
    await dropTenantDatabase(databaseUrl);
  });

  it('sends again under the same reference after the restart: listed once, with its provider id, received once', async () => {
    const asAdmin = { 'D360-API-KEY': env.WABA_API_KEY };
    const first = await startInboxProcess(env);
    await request(first.url)
      .post(`/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`)
      .send({
        contacts: [{ profile: { name: 'Waiting Customer' }, wa_id: customer }],
        messages: [
          {
            from: customer,
            id: 'wamid.crash-send-in',
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: 'Hello?' },
          },
        ],
      })
      .expect(200);
    const exited = new Promise((r) => first.child.once('exit', r));
    // No Idempotency-Key: the instance makes one up, and it is all there is to reconcile with.
    const cut = await fetch(`${first.url}/api/v1/messages/`, {
      method: 'POST',
      headers: { ...asAdmin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ wa_id: customer, type: 'text', text: { body: 'Your order ships today' } }),
    }).catch((error: Error) => error);
    expect(cut instanceof Response).toBe(false); // the process died before it answered
    expect(await exited).toBe(null);
    const sent = async () =>
      (
        (await request(sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body.results as Json[]
      ).filter((m) => m.to === customer);
    expect(await sent()).toHaveLength(1); // the provider has it

    const second = await startInboxProcess(env);
    try {
      const outgoing = async () =>
        (
          (await request(second.url).get(`/api/v1/messages/?wa_id=${customer}`).set(asAdmin).expect(200)).body
            .results as Json[]
        ).filter((m) => m.from_us);
      await waitFor(async () => (await outgoing()).every((m) => !String(m.id).startsWith('local-')), 10_000);
      const [message, ...more] = await outgoing();
      expect(more).toEqual([]);
      const [delivered] = await sent();
      expect(message.id).toBe(delivered.id);
      expect(message.waba_payload.text.body).toBe('Your order ships today');
      expect(await sent()).toHaveLength(1); // sent again under the same key: the provider's first answer
    } finally {
      await second.stop();
    }
  }, 60_000);
});
