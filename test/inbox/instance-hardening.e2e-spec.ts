/**
 * Issue 21's findings against a real instance process, each reproduced as it was found from
 * outside: a cut-off upload that ended the process, text PostgreSQL cannot hold (NUL, unpaired
 * surrogates), ids past the column's range, lists that showed chats a user may not read, and a
 * provider media id that reached a provider URL unchecked.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import request from 'supertest';
import { INBOX_NODE_OPTIONS } from '@app/bootstrap';
import { startReceiver } from '../support/http-receiver';
import {
  bootstrapEnv,
  createAgent,
  createTenantDatabase,
  dropTenantDatabase,
  startInboxProcess,
} from '../support/inbox-harness';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const NUL_ERROR = ['Null characters are not allowed.'];
const CHATS = { ana: '4918200000001', other: '4918200000002' };

describe('inbox: the instance under hostile input (issue 21)', () => {
  let databaseUrl: string;
  let inbox: Awaited<ReturnType<typeof startInboxProcess>>;
  let provider: Awaited<ReturnType<typeof startReceiver>>;
  let env: Record<string, string>;
  let ana: { id: number; token: string };
  const http = () => request(inbox.url);
  const asAdmin = () => ({ 'D360-API-KEY': env.WABA_API_KEY });
  const asAna = () => ({ Authorization: `Token ${ana.token}` });
  const webhook = (body: unknown) =>
    http()
      .post(`/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`)
      .send(body as object);
  const rawWebhook = (text: string) =>
    fetch(`${inbox.url}/waba/webhook/${env.WABA_WEBHOOK_SECRET}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: text,
    });
  const now = () => String(Math.floor(Date.now() / 1000));
  const textMessage = (from: string, id: string, body: string) => ({
    from,
    id,
    timestamp: now(),
    type: 'text',
    text: { body },
  });
  const alive = async () => {
    expect(inbox.child.exitCode).toBeNull();
    await http().get('/api/v1/status/health').expect(200);
  };

  beforeAll(async () => {
    provider = await startReceiver((_req, res) => {
      res.writeHead(404).end('{}');
    });
    databaseUrl = await createTenantDatabase();
    env = bootstrapEnv(databaseUrl, {
      MAX_NUMBER_OF_SEATS: '10',
      WABA_API_URL: provider.url,
      // As the runtimes start an instance (its memory is measured below).
      NODE_OPTIONS: INBOX_NODE_OPTIONS,
    }).env;
    inbox = await startInboxProcess(env);
    ana = await createAgent(http, asAdmin(), 'ana');
    for (const waId of Object.values(CHATS)) {
      await webhook({
        contacts: [{ profile: { name: `Customer ${waId}` }, wa_id: waId }],
        messages: [textMessage(waId, `wamid.hard-${waId}`, 'hello')],
      }).expect(200);
    }
  });
  afterAll(async () => {
    await inbox?.stop();
    await provider?.close();
    await dropTenantDatabase(databaseUrl);
  });

  describe('uploads', () => {
    const cutOff = '--XX\r\nContent-Disposition: form-data; name="file_encoded"; filename="a"\r\n\r\nabc';
    const postCutOff = (headers: Record<string, string>) =>
      fetch(`${inbox.url}/api/v1/media/`, {
        method: 'POST',
        headers: { 'Content-Type': 'multipart/form-data; boundary=XX', ...headers },
        body: cutOff,
      });

    it('answers a multipart upload cut off inside its file part with a 4xx, and the process lives on', async () => {
      const stranger = await postCutOff({});
      expect(stranger.status).toBe(403);
      await alive();
      const admin = await postCutOff(asAdmin());
      expect(admin.status).toBe(400);
      expect(((await admin.json()) as Json).detail).toMatch(
        /^Multipart form parse error - Unexpected end of form/,
      );
      await alive();
    });

    it('refuses a stranger before reading the body: a 403 while 20 MB are still unsent', async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${inbox.url}/api/v1/media/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Content-Length': 20 * 1024 * 1024 },
        });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
          req.destroy();
        });
        req.on('error', reject);
        req.write('{"file_encoded": "' + 'A'.repeat(1024)); // the rest never comes
      });
      expect(status).toBe(403);
      await alive();
    });
  });

  describe('uploads, streamed', () => {
    const MIB = 1024 * 1024;
    /** The instance process's resident memory now and at its peak (kB from /proc; the peak can be reset). */
    const memory = () => {
      const status = readFileSync(`/proc/${inbox.child.pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]);
      return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    };
    const resetPeak = () => writeFileSync(`/proc/${inbox.child.pid}/clear_refs`, '5');
    const download = async (id: string) =>
      createHash('sha256')
        .update(Buffer.from(await (await fetch(`${inbox.url}/api/v1/media/${id}/`)).arrayBuffer()))
        .digest('hex');

    it('takes four 16 MiB uploads at once (base64 JSON and multipart) without holding them in memory, byte for byte', async () => {
      const files = [1, 2, 3, 4].map((n) => randomBytes(16 * MIB).fill(n, 0, 1));
      const spools = () => readdirSync(tmpdir()).filter((f) => f.startsWith('inbox-upload-'));
      const spooledBefore = spools();
      const before = memory();
      resetPeak();
      const answers = await Promise.all(
        files.map((file, i) =>
          i % 2 === 0
            ? http()
                .post('/api/v1/media/')
                .set(asAna())
                .send({
                  file_encoded: file.toString('base64'),
                  mime_type: 'video/mp4',
                  filename: `clip${i}.mp4`,
                })
            : http()
                .post('/api/v1/media/')
                .set(asAna())
                .attach('file_encoded', file, { filename: `clip${i}.mp4`, contentType: 'video/mp4' }),
        ),
      );
      const after = memory();
      process.stdout.write(
        `4 x 16 MiB uploads: RSS ${before.rss.toFixed(0)} MiB before, peak ${after.peak.toFixed(0)} MiB during (+${(after.peak - before.rss).toFixed(0)})\n`,
      );
      for (const [i, answer] of answers.entries()) {
        expect(answer.status).toBe(201);
        expect(answer.body).toMatchObject({ mime_type: 'video/mp4', size: 16 * MIB });
        const sha = createHash('sha256').update(files[i]).digest('hex');
        expect(answer.body.sha256).toBe(sha);
        expect(await download(answer.body.id as string)).toBe(sha);
      }
      // Held whole, each upload cost 55-80 MiB (four: +220 MiB, past the chart's 192 Mi limit).
      expect(after.peak - before.rss).toBeLessThan(96);
      expect(spools()).toEqual(spooledBefore); // every temporary file removed
    }, 60_000);

    it('applies one size limit per kind of file whatever the encoding', async () => {
      const image = Buffer.alloc(5 * MIB + 1, 1);
      const asJson = await http()
        .post('/api/v1/media/')
        .set(asAna())
        .send({ file_encoded: image.toString('base64'), mime_type: 'image/png' });
      const asPart = await http()
        .post('/api/v1/media/')
        .set(asAna())
        .attach('file_encoded', image, { filename: 'a.png', contentType: 'image/png' });
      for (const res of [asJson, asPart]) {
        expect(res.status).toBe(413);
        expect(res.body).toEqual({
          detail: 'The file is larger than WhatsApp takes for images (image/png): at most 5 MB.',
        });
      }
      const over = Buffer.alloc(16 * MIB + 1, 2);
      const hugeJson = await http()
        .post('/api/v1/media/')
        .set(asAna())
        .send({ file_encoded: over.toString('base64'), mime_type: 'video/mp4' });
      const hugePart = await http()
        .post('/api/v1/media/')
        .set(asAna())
        .attach('file_encoded', over, { filename: 'b.mp4', contentType: 'video/mp4' });
      expect([hugeJson.status, hugePart.status]).toEqual([413, 413]);
      await alive();
    }, 60_000);
  });

  describe('text PostgreSQL cannot hold', () => {
    it('refuses NUL in every kind of text field with a 400 naming the field', async () => {
      const cases: [PromiseLike<request.Response>, Json][] = [
        [http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'a\u0000b' }), { name: NUL_ERROR }],
        [
          http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'ok', color: '#\u0000' }),
          { color: NUL_ERROR },
        ],
        [
          http().post('/api/v1/saved_responses/').set(asAna()).send({ text: 'hi\u0000' }),
          { text: NUL_ERROR },
        ],
        [
          http().patch(`/api/v1/users/${ana.id}/`).set(asAdmin()).send({ first_name: '\u0000' }),
          { first_name: NUL_ERROR },
        ],
        [
          http()
            .post('/api/v1/media/')
            .set(asAna())
            .send({ file_encoded: 'aGVsbG8=', filename: 'a\u0000.txt' }),
          { filename: NUL_ERROR },
        ],
        [http().get('/api/v1/chats/?search=%00').set(asAna()), { search: NUL_ERROR }],
        [http().get('/api/v1/messages/?search=a%00').set(asAna()), { search: NUL_ERROR }],
        [http().get('/api/v1/persons/?search=%00').set(asAna()), { search: NUL_ERROR }],
        // No authentication needed to reach it: the check comes before any query.
        [
          http().post('/api/v1/auth/token/').send({ username: 'a\u0000', password: 'x' }),
          { username: NUL_ERROR },
        ],
        [
          http().post('/api/v1/auth/token/').type('form').send('username=%00&password=x'),
          { username: NUL_ERROR },
        ],
      ];
      for (const [call, error] of cases) {
        const res = await call;
        expect({ status: res.status, body: res.body as Json }).toEqual({ status: 400, body: error });
      }
      await alive();
    });

    it('refuses unpaired surrogates in a message text and a tagging’s extra, naming the nested field', async () => {
      const send = await fetch(`${inbox.url}/api/v1/messages/`, {
        method: 'POST',
        headers: { ...asAna(), 'Content-Type': 'application/json' },
        body: `{"to": "${CHATS.other}", "type": "text", "text": {"body": "x\\ud800"}}`,
      });
      expect(send.status).toBe(400);
      expect(await send.json()).toEqual({
        text: { body: ['Surrogate characters are not allowed: U+D800.'] },
      });
      const tag = await http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'vip' }).expect(201);
      const tagging = await fetch(`${inbox.url}/api/v1/chat_tagging/`, {
        method: 'POST',
        headers: { ...asAna(), 'Content-Type': 'application/json' },
        body: `{"chat": "${CHATS.other}", "tag": ${tag.body.id}, "extra": {"note": "\\udc00"}}`,
      });
      expect(tagging.status).toBe(400);
      expect(await tagging.json()).toEqual({
        extra: { note: ['Surrogate characters are not allowed: U+DC00.'] },
      });
    });

    it('stores every message of a provider webhook whose texts hold NUL or unpaired surrogates, replaced by U+FFFD', async () => {
      const from = '4918200000099';
      const body =
        `{"contacts": [{"profile": {"name": "Bad\\u0000Name"}, "wa_id": "${from}"}], "messages": [` +
        [
          JSON.stringify(textMessage(from, 'wamid.nul-1', 'before')),
          `{"from": "${from}", "id": "wamid.nul-2", "timestamp": "${now()}", "type": "text", "text": {"body": "a\\u0000b\\ud800c"}}`,
          JSON.stringify(textMessage(from, 'wamid.nul-3', 'after')),
        ].join(',') +
        ']}';
      const res = await rawWebhook(body);
      expect(res.status).toBe(200);
      const listed = await http().get(`/api/v1/messages/?wa_id=${from}`).set(asAdmin()).expect(200);
      const texts = (listed.body.results as Json[]).map((m) => m.waba_payload.text.body).sort();
      expect(texts).toEqual(['a\uFFFDb\uFFFDc', 'after', 'before'].sort());
      const person = await http().get(`/api/v1/persons/${from}/`).set(asAdmin()).expect(200);
      expect(person.body.waba_payload.profile.name).toBe('Bad\uFFFDName');
    });
  });

  it('answers ids past an integer column’s range with a 404, never a 500', async () => {
    for (const path of [
      '/api/v1/users/2147483648/',
      '/api/v1/users/99999999999999999999/',
      '/api/v1/tags/2147483648/',
      '/api/v1/chat_tagging/2147483648/',
      '/api/v1/waba_webhooks/2147483648/',
      '/api/v1/saved_responses/9999999999999999/',
    ]) {
      const res = await http().get(path).set(asAdmin());
      expect({ path, status: res.status, body: res.body as Json }).toEqual({
        path,
        status: 404,
        body: { detail: 'Not found.' },
      });
    }
  });

  it('shows a user, for each value of can_read_chats, only the events, taggings and persons of the chats it reaches', async () => {
    await http()
      .patch(`/api/v1/chat_assignment/${CHATS.ana}/`)
      .set(asAdmin())
      .send({ assigned_to_user: ana.id })
      .expect(200);
    const tag = await http().post('/api/v1/tags/').set(asAdmin()).send({ name: 'urgent' }).expect(201);
    const taggings: Record<string, number> = {};
    for (const [name, waId] of Object.entries(CHATS)) {
      const chat = await http()
        .post('/api/v1/chat_tagging/')
        .set(asAdmin())
        .send({ chat: waId, tag: tag.body.id })
        .expect(201);
      taggings[`chat-${name}`] = chat.body.id as number;
      const message = await http()
        .post('/api/v1/message_tagging/')
        .set(asAdmin())
        .send({ message: `wamid.hard-${waId}`, tag: tag.body.id })
        .expect(201);
      taggings[`message-${name}`] = message.body.id as number;
    }
    await http()
      .patch(`/api/v1/chat_assignment/${CHATS.other}/`)
      .set(asAdmin())
      .send({ assigned_group: 2 })
      .expect(200);
    const chatsOf = async (path: string, field: string) =>
      [
        ...new Set(
          ((await http().get(path).set(asAna()).expect(200)).body.results as Json[]).map((r) => r[field]),
        ),
      ].sort();
    // Ana's chat is assigned to her, the other one to her group (regular users, 2).
    const reach: Record<string, string[]> = {
      all: [CHATS.ana, CHATS.other],
      group: [CHATS.ana, CHATS.other],
      user: [CHATS.ana],
      none: [],
    };
    for (const [access, reached] of Object.entries(reach)) {
      await http()
        .put(`/api/v1/permissions/users/${ana.id}/`)
        .set(asAdmin())
        .send({ can_read_chats: access })
        .expect(200);
      for (const [path, field] of [
        ['/api/v1/chat_tagging_events/', 'chat'],
        ['/api/v1/message_tagging_events/', 'chat'],
        ['/api/v1/chat_assignment_events/', 'wa_id'],
        ['/api/v1/persons/', 'wa_id'],
      ]) {
        const seen = await chatsOf(path, field);
        // `all` also reaches the unassigned chats of the other tests; the others reach nothing more.
        if (access === 'all')
          expect({ access, path, seen }).toEqual({ access, path, seen: expect.arrayContaining(reached) });
        else expect({ access, path, seen }).toEqual({ access, path, seen: [...reached].sort() });
      }
      for (const [name, waId] of Object.entries(CHATS)) {
        const status = reached.includes(waId) ? 200 : 404;
        for (const path of [
          `/api/v1/persons/${waId}/`,
          `/api/v1/chat_tagging/${taggings[`chat-${name}`]}/`,
          `/api/v1/message_tagging/${taggings[`message-${name}`]}/`,
        ])
          expect({ access, path, status: (await http().get(path).set(asAna())).status }).toEqual({
            access,
            path,
            status,
          });
      }
    }
    // Admins still see everything.
    const all = (await http().get('/api/v1/persons/').set(asAdmin()).expect(200)).body.results as Json[];
    expect(all.map((p) => p.wa_id)).toEqual(expect.arrayContaining(Object.values(CHATS)));
  });

  it('never puts a provider media id that is not one into a provider URL', async () => {
    const from = '4918200000077';
    await webhook({
      contacts: [{ profile: { name: 'Doc sender' }, wa_id: from }],
      messages: [
        {
          from,
          id: 'wamid.dotdot',
          timestamp: now(),
          type: 'document',
          document: { id: '..', mime_type: 'application/pdf' },
        },
      ],
    }).expect(200);
    const listed = await http().get(`/api/v1/messages/?wa_id=${from}`).set(asAdmin()).expect(200);
    const [message] = listed.body.results as Json[];
    expect(message.waba_payload.type).toBe('document');
    expect(message.waba_payload.document.link).toBeUndefined();
    expect(provider.received.map((r) => r.url)).not.toContain('/..');
    expect(provider.received.filter((r) => r.method === 'GET' && r.url === '/')).toEqual([]);
  });
});
