/**
 * Property test: provider webhooks and POST messages/ bodies, plausible and hostile, against a real
 * inbox and its database. Never a 5xx; a webhook the inbox refuses leaves no row behind.
 */
import fc from 'fast-check';
import request from 'supertest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import { hostileValue } from '../support/hostile-values';
import { createSandbox } from '../../apps/waba-sandbox/src/create-sandbox';
import {
  bootstrapEnv,
  createAppUser,
  createTenantDatabase,
  dropTenantDatabase,
  startInbox,
} from '../support/inbox-harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

const value = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.stringMatching(/^\d{3,22}$/),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
  hostileValue,
);
const message = fc.record(
  {
    from: value,
    id: fc.oneof(value, fc.uuid()),
    timestamp: fc.oneof(value, fc.integer({ min: 0, max: 2e9 }).map(String)),
    type: fc.oneof(value, fc.constantFrom('text', 'image', 'document', 'button', 'location')),
    text: fc.oneof(value, fc.record({ body: value })),
    image: fc.oneof(value, fc.record({ id: value, mime_type: value })),
  },
  { requiredKeys: [] },
);
const status = fc.record(
  {
    id: value,
    status: fc.oneof(value, fc.constantFrom('sent', 'delivered', 'read', 'failed', 'deleted')),
    timestamp: value,
  },
  { requiredKeys: [] },
);
const onPremises = fc.record(
  {
    contacts: fc.oneof(
      value,
      fc.array(fc.record({ wa_id: value, profile: fc.oneof(value, fc.record({ name: value })) }), {
        maxLength: 2,
      }),
    ),
    messages: fc.oneof(value, fc.array(message, { maxLength: 3 })),
    statuses: fc.oneof(value, fc.array(status, { maxLength: 3 })),
  },
  { requiredKeys: [] },
);
const cloud = onPremises.map((v) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: 'x', changes: [{ field: 'messages', value: v }] }],
}));
const webhookBody = fc.oneof(onPremises, cloud, fc.jsonValue({ maxDepth: 3 }));

const sendBody = fc.record(
  {
    wa_id: value,
    type: fc.oneof(value, fc.constantFrom('text', 'image', 'template', 'hsm', 'location')),
    text: fc.oneof(value, fc.record({ body: value })),
    image: value,
    template: value,
  },
  { requiredKeys: [] },
);

describe('inbox: hostile provider webhooks and message bodies (property test)', () => {
  let sandbox: NestFastifyApplication;
  let databaseUrl: string;
  let inbox: Awaited<ReturnType<typeof startInbox>>;
  let env: Record<string, string>;
  let token: string;
  const http = () => request(inbox.app.getHttpServer());

  beforeAll(async () => {
    sandbox = await createSandbox();
    await sandbox.listen(0, '127.0.0.1');
    databaseUrl = await createTenantDatabase();
    const boot = bootstrapEnv(databaseUrl, {
      WABA_API_URL: (await sandbox.getUrl()).replace('[::1]', '127.0.0.1'),
      WABA_API_KEY: 'sandbox_fuzz_k3y',
    });
    env = boot.env;
    inbox = await startInbox(env);
    token = await createAppUser(http, boot.secrets.configuratorToken, 'fuzzapp');
  });
  afterAll(async () => {
    await inbox.app.close();
    await sandbox.close();
    await dropTenantDatabase(databaseUrl);
  });

  it(`answers ${RUNS} webhooks with 200 or 400, never a partial write`, async () => {
    const db = inbox.app.get(InboxDb);
    const count = async () =>
      (
        await db.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM provider_webhooks) + (SELECT count(*) FROM contacts) AS n`,
        )
      )[0].n;
    await fc.assert(
      fc.asyncProperty(webhookBody, async (body) => {
        const before = await count();
        const res = await http()
          .post(`/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        expect([200, 400]).toContain(res.status);
        if (res.status === 400) expect(await count()).toBe(before);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it(`answers ${RUNS} POST messages/ bodies with 4xx or 201, never a 5xx`, async () => {
    await fc.assert(
      fc.asyncProperty(sendBody, async (body) => {
        const res = await http()
          .post('/api/v1/messages/')
          .set('Authorization', `Token ${token}`)
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(body));
        // The sandbox plays the provider: what it refuses is a 400 with its answer, never a 5xx.
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
