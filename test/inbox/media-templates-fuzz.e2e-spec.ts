/**
 * Property test of this new endpoints with plausible and hostile bodies and ids: media
 * upload and download, templates, the CORS setting. Never a 5xx, never slow, and a refused upload
 * stores nothing.
 */
import fc from 'fast-check';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import { hostileId, hostileNumber, hostileText, hostileValue } from '../support/hostile-values';
import { InboxWithSandbox, createAppUser, startInboxWithSandbox } from '../support/inbox-harness';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000) / 4;
const SLOW_MS = 1000;

const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.base64String({ maxLength: 200 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  hostileValue,
);
const body = fc.oneof(
  fc.dictionary(fc.constantFrom('file_encoded', 'mime_type', 'filename', 'x'), value),
  fc.record(
    {
      name: value,
      category: value,
      language: value,
      components: fc.oneof(value, fc.array(value, { maxLength: 4 })),
    },
    { requiredKeys: [] },
  ),
  fc.record({ allowed_origins: fc.oneof(value, fc.array(fc.oneof(value, fc.webUrl()), { maxLength: 5 })) }),
  fc.record({ text: fc.oneof(value, fc.string({ minLength: 4000, maxLength: 4200 })) }, { requiredKeys: [] }),
  fc.record(
    {
      url: fc.oneof(
        value,
        fc.webUrl(),
        fc.constantFrom('http://[::1]/', 'http://169.254.169.254/', 'http://a[b/'),
      ),
      headers: fc.oneof(value, fc.dictionary(fc.string({ maxLength: 70 }), value, { maxKeys: 25 })),
      events: fc.oneof(
        value,
        fc.array(fc.oneof(value, fc.constantFrom('incoming_messages', 'chat_tagging'))),
      ),
      user: value,
    },
    { requiredKeys: [] },
  ),
  value,
);
const id = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '%00', 'a/b'),
  hostileId,
);

/** Below 500; a failure names the path and the body that broke it. */
function answeredBelow500(path: string, sent: unknown, status: number): void {
  const body = JSON.stringify(sent)?.slice(0, 200);
  expect([path, body, status < 500]).toEqual([path, body, true]);
}

describe('media, templates, saved responses and settings take any input without a 5xx', () => {
  let fixture: InboxWithSandbox;
  let asApp: Record<string, string>;
  let asAdmin: Record<string, string>;
  beforeAll(async () => {
    fixture = await startInboxWithSandbox('chanF1');
    asApp = {
      Authorization: `Token ${await createAppUser(fixture.http, fixture.secrets.configuratorToken, 'fuzz')}`,
    };
    asAdmin = { Authorization: `Token ${fixture.secrets.configuratorToken}` };
  });
  afterAll(() => fixture?.close());

  it('answers every body on POST media/, templates/, saved_responses/, waba_webhooks/ and PUT settings/cors/ below 500, quickly', async () => {
    // What a refused body must not have written.
    const stored: Record<string, string> = {
      media: 'media',
      saved_responses: 'saved_responses',
      waba_webhooks: 'waba_webhooks',
    };
    const rows = async (path: string) =>
      stored[path]
        ? Number(
            (
              await fixture.inbox.app
                .get(InboxDb)
                .query<{ n: string }>(`SELECT count(*) AS n FROM ${stored[path]}`)
            )[0].n,
          )
        : 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('media', 'templates', 'settings/cors', 'saved_responses', 'waba_webhooks'),
        body,
        async (path, sent) => {
          const before = await rows(path);
          const started = Date.now();
          const call =
            path === 'settings/cors'
              ? fixture.http().put(`/api/v1/${path}/`)
              : fixture.http().post(`/api/v1/${path}/`);
          const res = await call
            .set(['media', 'saved_responses', 'waba_webhooks'].includes(path) ? asApp : asAdmin)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(sent));
          answeredBelow500(path, sent, res.status);
          expect(Date.now() - started).toBeLessThan(SLOW_MS);
          if (res.status !== 201) expect(await rows(path)).toBe(before);
          else if (path === 'waba_webhooks')
            // one per user: make room for the next body
            await fixture.http().delete(`/api/v1/waba_webhooks/${res.body.id}/`).set(asApp).expect(204);
        },
      ),
      { numRuns: RUNS },
    );
    await fixture.http().put('/api/v1/settings/cors/').set(asAdmin).send({ allowed_origins: [] }).expect(200);
  });

  it('answers every id and range on GET media/{id}/, DELETE templates/{name}/, saved_responses/{id}/ and waba_webhooks/{id}/ below 500', async () => {
    await fc.assert(
      fc.asyncProperty(id, fc.option(fc.string({ maxLength: 30 })), async (key, range) => {
        const download = fixture.http().get(`/api/v1/media/${encodeURIComponent(key)}/`);
        if (range !== null) download.set('Range', range);
        expect((await download).status).toBeLessThan(500);
        const removed = await fixture
          .http()
          .delete(`/api/v1/templates/${encodeURIComponent(key)}/`)
          .set(asAdmin);
        expect(removed.status).toBeLessThan(500);
        const saved = `/api/v1/saved_responses/${encodeURIComponent(key)}/`;
        expect((await fixture.http().get(saved).set(asApp)).status).toBeLessThan(500);
        expect((await fixture.http().delete(saved).set(asApp)).status).toBeLessThan(500);
        const webhook = `/api/v1/waba_webhooks/${encodeURIComponent(key)}/`;
        expect((await fixture.http().get(webhook).set(asApp)).status).toBeLessThan(500);
        expect((await fixture.http().patch(webhook).set(asApp).send({ url: key })).status).toBeLessThan(500);
        expect((await fixture.http().delete(webhook).set(asApp)).status).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
  });

  it('answers every body and id on the routing endpoints (tags, tagging, assignment, rules, rule engine, permissions) below 500, quickly', async () => {
    const routing = fc.record(
      {
        name: value,
        web_inbox_color: value,
        tag: fc.oneof(value, fc.integer({ min: -2, max: 5 })),
        message: value,
        chat: fc.oneof(value, fc.constantFrom('4915100000001', '0', '9'.repeat(30))),
        extra: value,
        assigned_to_user: fc.oneof(value, fc.integer({ min: -2, max: 5 })),
        assigned_group: fc.oneof(value, fc.integer({ min: -2, max: 5 })),
        assign_to_user: value,
        assign_to_group: value,
        group_assign_method: fc.oneof(value, fc.constantFrom('round_robin', 'let_group_decide')),
        mode: fc.oneof(value, fc.constantFrom('default', 'custom')),
        url: fc.oneof(value, fc.constantFrom('http://169.254.169.254/', 'http://a[b/')),
        headers: value,
        can_read_chats: fc.oneof(value, fc.constantFrom('all', 'group', 'user', 'none')),
        can_write_to_chats: value,
        can_use_tags: value,
      },
      { requiredKeys: [] },
    );
    const calls: [method: 'post' | 'put' | 'patch', path: string, as: 'app' | 'admin'][] = [
      ['post', 'tags', 'app'],
      ['post', 'message_tagging', 'app'],
      ['post', 'chat_tagging', 'app'],
      ['patch', 'chat_assignment/4915100000001', 'app'],
      ['put', 'chat_assignment/4915100000001', 'app'],
      ['post', 'rules', 'admin'],
      ['put', 'rule_engine', 'admin'],
      ['put', 'permissions/groups/2', 'admin'],
      ['put', 'permissions/users/1', 'admin'],
    ];
    await fixture.customerWrites('4915100000001', 'wamid.fuzz-routing');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...calls),
        fc.oneof(routing, body),
        id,
        async ([method, path, as], sent, key) => {
          const started = Date.now();
          const res = await fixture
            .http()
            [method](`/api/v1/${path}/`)
            .set(as === 'app' ? asApp : asAdmin)
            .set('Content-Type', 'application/json')
            .send(JSON.stringify(sent));
          answeredBelow500(path, sent, res.status);
          for (const read of ['tags', 'message_tagging', 'chat_tagging', 'chat_assignment', 'rules'])
            expect(
              (
                await fixture
                  .http()
                  .get(`/api/v1/${read}/${encodeURIComponent(key)}/`)
                  .set(asApp)
              ).status,
            ).toBeLessThan(500);
          expect(Date.now() - started).toBeLessThan(SLOW_MS);
        },
      ),
      { numRuns: RUNS },
    );
    await fixture.http().put('/api/v1/rule_engine/').set(asAdmin).send({ mode: 'default' }).expect(200);
    await fixture.http().put('/api/v1/permissions/groups/2/').set(asAdmin).send({}).expect(200);
    await fixture.http().put('/api/v1/permissions/groups/3/').set(asAdmin).send({}).expect(200);
  });

  it('answers every query string on the lists (search, ids, pages, times) below 500', async () => {
    const param = fc.oneof(fc.string({ maxLength: 20 }), hostileText, hostileNumber.map(String), hostileId);
    const lists = [
      'chats',
      'messages',
      'persons',
      'tags',
      'chat_tagging_events',
      'message_tagging_events',
      'chat_assignment_events',
      'saved_responses',
      'users',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...lists),
        fc.dictionary(
          fc.constantFrom('search', 'wa_id', 'limit', 'offset', 'since_time', 'before_time', 'message_id'),
          param,
          { maxKeys: 3 },
        ),
        async (list, query) => {
          const res = await fixture.http().get(`/api/v1/${list}/`).query(query).set(asApp);
          answeredBelow500(list, query, res.status);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
