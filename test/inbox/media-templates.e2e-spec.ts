/**
 * Media, templates, cross-origin use and provider-key auth of an instance, on real parts: the
 * inbox (its own database), the WhatsApp sandbox over HTTP with 360dialog's client on the other side.
 */
import request from 'supertest';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import { InboxWithSandbox, createAppUser, startInboxWithSandbox } from '../support/inbox-harness';
import { ONE_PIXEL_PNG as PNG } from '../support/fixtures';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('inbox media, templates, CORS and provider-key auth', () => {
  const channel = 'chanM1';
  let fixture: InboxWithSandbox;
  let appToken: string;
  const http = () => fixture.http();
  const asApp = () => ({ Authorization: `Token ${appToken}` });
  const asConfigurator = () => ({ Authorization: `Token ${fixture.secrets.configuratorToken}` });
  const sandbox = () => request(fixture.sandboxUrl);
  const binary = (res: request.Response, done: (e: Error | null, body: Buffer) => void) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => done(null, Buffer.concat(chunks)));
  };
  const download = (link: string) => {
    const url = new URL(link);
    return http().get(url.pathname).buffer(true).parse(binary);
  };
  /** Opens the 24-hour window: the customer writes first. */
  const customerWrites = async (from: string) => {
    await sandbox().post(`/sandbox/channels/${channel}/inbound`).send({ from, text: 'hello' }).expect(202);
    await waitFor(
      async () => (await http().get(`/api/v1/messages/?wa_id=${from}`).set(asApp())).body.count > 0,
      10_000,
    );
  };

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel);
    appToken = await createAppUser(http, fixture.secrets.configuratorToken, 'media');
    await waitFor(
      async () =>
        (await sandbox().get('/sandbox/channels')).body.results.some((c: Json) => c.webhook_registered),
      10_000,
    );
  });
  afterAll(() => fixture?.close());

  describe('media', () => {
    it('gives a received image an id of its own whose link a browser can load without a token', async () => {
      const from = '4915100000701';
      await sandbox()
        .post(`/sandbox/channels/${channel}/inbound`)
        .send({ from, image: { data: PNG.toString('base64'), mime_type: 'image/png' } })
        .expect(202);
      let message: Json = {};
      await waitFor(async () => {
        message = (await http().get(`/api/v1/messages/?wa_id=${from}`).set(asApp())).body.results?.[0] ?? {};
        return message.waba_payload?.type === 'image';
      }, 10_000);
      const image = message.waba_payload.image;
      expect(image.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(image.link).toBe(`${fixture.env.PUBLIC_URL}/api/v1/media/${image.id}/`);
      expect(image.mime_type).toBe('image/png');

      const file = await download(image.link).expect(200);
      expect(Buffer.compare(file.body as Buffer, PNG)).toBe(0);
      expect(file.headers).toMatchObject({
        'content-type': 'image/png',
        'x-content-type-options': 'nosniff',
        'accept-ranges': 'bytes',
        'content-length': String(PNG.length),
      });
      expect(file.headers['content-disposition']).toMatch(/^inline/);
      expect(file.headers['content-security-policy']).toContain('sandbox');
      // Fetched from the provider once, then served from the tenant's database.
      const [stored] = await fixture.inbox.app
        .get(InboxDb)
        .query<{ size: number }>(`SELECT octet_length(data) AS size FROM media WHERE id = $1`, [image.id]);
      expect(Number(stored.size)).toBe(PNG.length);

      const part = await download(image.link).set('Range', 'bytes=1-3').expect(206);
      expect(part.headers['content-range']).toBe(`bytes 1-3/${PNG.length}`);
      expect(Buffer.compare(part.body as Buffer, PNG.subarray(1, 4))).toBe(0);
      await download(image.link)
        .set('Range', `bytes=${PNG.length + 5}-`)
        .expect(416);
    });

    it('uploads base64 (JSON) and sends the image: the customer receives those bytes', async () => {
      const to = '4915100000702';
      await customerWrites(to);
      const uploaded = await http()
        .post('/api/v1/media/')
        .set(asApp())
        .send({ file_encoded: PNG.toString('base64') })
        .expect(201);
      expect(uploaded.body).toMatchObject({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        file: `${fixture.env.PUBLIC_URL}/api/v1/media/${uploaded.body.id}/`,
        mime_type: 'image/png',
        size: PNG.length,
      });
      const sent = await http()
        .post('/api/v1/messages/')
        .set(asApp())
        .send({ wa_id: to, type: 'image', image: { id: uploaded.body.id, caption: 'your receipt' } })
        .expect(201);
      // Stored with our id and link (the inbox can show it); the provider got its own id.
      expect(sent.body.waba_payload.image).toEqual({
        id: uploaded.body.id,
        link: uploaded.body.file,
        caption: 'your receipt',
      });
      const atProvider = (await sandbox().get(`/sandbox/channels/${channel}/messages`)).body.results[0];
      expect(atProvider.id).toBe(sent.body.id);
      const providerId = atProvider.payload.image.id;
      expect(providerId).not.toBe(uploaded.body.id);
      const received = await sandbox()
        .get(`/sandbox/media/${providerId}`)
        .buffer(true)
        .parse(binary)
        .expect(200);
      expect(Buffer.compare(received.body as Buffer, PNG)).toBe(0);

      // The same file again is not uploaded twice; a link to it works like its id.
      const again = await http()
        .post('/api/v1/messages/')
        .set(asApp())
        .send({ wa_id: to, type: 'image', image: { link: uploaded.body.file } })
        .expect(201);
      const second = (await sandbox().get(`/sandbox/channels/${channel}/messages`)).body.results[0];
      expect(second.id).toBe(again.body.id);
      expect(second.payload.image).toEqual({ id: providerId });
    });

    it('uploads a multipart file part; a type that could run in a browser is only ever downloaded', async () => {
      const html = Buffer.from('<script>alert(document.cookie)</script>');
      const uploaded = await http()
        .post('/api/v1/media/')
        .set(asApp())
        .attach('file_encoded', html, { filename: 'page.html', contentType: 'text/html' })
        .expect(201);
      expect(uploaded.body.mime_type).toBe('text/html');
      const file = await download(uploaded.body.file).expect(200);
      expect(file.headers['content-type']).toBe('application/octet-stream');
      expect(file.headers['content-disposition']).toBe('attachment; filename="page.html"');

      const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2048, 32)]);
      const doc = await http()
        .post('/api/v1/media/')
        .set(asApp())
        .field('filename', 'invoice.pdf')
        .attach('file_encoded', pdf, { filename: 'x.bin', contentType: 'application/octet-stream' })
        .expect(201);
      expect(doc.body.mime_type).toBe('application/pdf'); // sniffed: the part said octet-stream
      expect((await download(doc.body.file).expect(200)).headers['content-disposition']).toBe(
        'inline; filename="invoice.pdf"',
      );
    });

    it('refuses what is not a file, in DRF shape, and answers 404 for unknown or malformed ids', async () => {
      await http()
        .post('/api/v1/media/')
        .set(asApp())
        .send({})
        .expect(400, { file_encoded: ['No file was submitted.'] });
      await http()
        .post('/api/v1/media/')
        .set(asApp())
        .send({ file_encoded: 'not base64 at all!' })
        .expect(400, { file_encoded: ['Not valid base64.'] });
      await http().post('/api/v1/media/').set(asApp()).send({ file_encoded: '' }).expect(400);
      await http()
        .post('/api/v1/media/')
        .set(asApp())
        .send({ file_encoded: 'iVBO', mime_type: 'nope' })
        .expect(400);
      const tooBig = await http()
        .post('/api/v1/media/')
        .set(asApp())
        .attach('file_encoded', Buffer.alloc(16 * 1024 * 1024 + 1), 'big.bin');
      expect(tooBig.status).toBe(413);
      await http().get('/api/v1/media/00000000-0000-4000-8000-000000000000/').expect(404);
      await http().get('/api/v1/media/..%2F..%2Fetc%2Fpasswd/').expect(404);
      await http().get('/api/v1/media/not-a-uuid/').expect(404);
      await http()
        .post('/api/v1/messages/')
        .set(asApp())
        .send({
          wa_id: '4915100000702',
          type: 'image',
          image: { id: '00000000-0000-4000-8000-000000000000' },
        })
        .expect(400);
    });

    it('keeps file parts out of every other route', async () => {
      const res = await http().post('/api/v1/messages/').set(asApp()).attach('file_encoded', PNG, 'a.png');
      expect(res.status).toBe(413);
    });
  });

  describe('templates', () => {
    it('lists the provider templates in seed 002 shape, cached until refreshed', async () => {
      const list = await http().get('/api/v1/templates/').set(asApp()).expect(200);
      expect(list.body.count).toBe(3);
      expect(list.body.results.find((t: Json) => t.name === 'order_update')).toEqual({
        name: 'order_update',
        category: 'UTILITY',
        language: 'en',
        components: [{ type: 'BODY', text: 'Your order {{1}} is now {{2}}.' }],
        namespace: 'sandbox_namespace',
        rejected_reason: 'NONE',
        status: 'approved',
      });
      // Created at the provider behind the instance's back: the cache hides it until a refresh.
      await sandbox()
        .post('/v1/configs/templates')
        .set('D360-API-KEY', fixture.env.WABA_API_KEY)
        .send({
          name: 'made_elsewhere',
          language: 'en',
          category: 'UTILITY',
          components: [{ type: 'BODY', text: 'Hi' }],
        })
        .expect(201);
      expect((await http().get('/api/v1/templates/').set(asApp())).body.count).toBe(3);
      expect((await http().get('/api/v1/templates/?refresh=true').set(asApp())).body.count).toBe(4);
      const page = await http()
        .get('/api/v1/templates/?limit=1&offset=1&status=approved')
        .set(asApp())
        .expect(200);
      expect(page.body).toMatchObject({ count: 4, results: [expect.any(Object)] });
      expect(page.body.next).toBe(
        `${fixture.env.PUBLIC_URL}/api/v1/templates/?status=approved&limit=1&offset=2`,
      );
    });

    it('lets admins create and delete templates; other users may only read them', async () => {
      const template = {
        name: 'shipping_notice',
        category: 'UTILITY',
        language: 'en_US',
        components: [{ type: 'BODY', text: 'Shipped: {{1}}' }],
      };
      await http().post('/api/v1/templates/').set(asApp()).send(template).expect(403);
      const created = await http()
        .post('/api/v1/templates/')
        .set(asConfigurator())
        .send(template)
        .expect(201);
      expect(created.body).toMatchObject({ name: 'shipping_notice', language: 'en_US', status: 'approved' });
      const names = async () =>
        (await http().get('/api/v1/templates/').set(asApp())).body.results.map((t: Json) => t.name);
      expect(await names()).toContain('shipping_notice');
      const invalid = await http()
        .post('/api/v1/templates/')
        .set(asConfigurator())
        .send({ name: 'Bad Name', category: 'x', language: 'english', components: [] })
        .expect(400);
      expect(Object.keys(invalid.body).sort()).toEqual(['category', 'components', 'language', 'name']);
      const duplicate = await http()
        .post('/api/v1/templates/')
        .set(asConfigurator())
        .send(template)
        .expect(400);
      expect(duplicate.body.waba_response.error.code).toBe(2388024);
      await http().delete('/api/v1/templates/shipping_notice/').set(asApp()).expect(403);
      await http().delete('/api/v1/templates/shipping_notice/').set(asConfigurator()).expect(204);
      expect(await names()).not.toContain('shipping_notice');
      await http().delete('/api/v1/templates/shipping_notice/').set(asConfigurator()).expect(404);
    });

    it('sends a known template outside the window and returns the provider refusal for an unknown one', async () => {
      const to = '4915100000703'; // never wrote: the window is closed
      const ok = await http()
        .post('/api/v1/messages/')
        .set(asApp())
        .send({ wa_id: to, type: 'template', template: { name: 'hello_world', language: { code: 'en_US' } } })
        .expect(201);
      expect(ok.body.waba_payload.template.name).toBe('hello_world');
      const unknown = await http()
        .post('/api/v1/messages/')
        .set(asApp())
        .send({ wa_id: to, type: 'template', template: { name: 'no_such', language: { code: 'en' } } })
        .expect(400);
      expect(unknown.body.waba_response.error.code).toBe(132001);
      await http()
        .post('/api/v1/messages/')
        .set(asApp())
        .send({ wa_id: to, type: 'template', template: { language: { code: 'en' } } })
        .expect(400);
    });
  });

  describe('cross-origin use and provider-key auth', () => {
    const preflight = (origin: string) =>
      http()
        .options('/api/v1/chats/')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization, content-type, x-request-id');

    it('answers preflights and token requests from any origin, never with credentials', async () => {
      const pre = await preflight('https://frontend.partner.example').expect(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      expect(pre.headers['access-control-allow-headers']).toBe(
        'Authorization, Content-Type, X-Request-ID, Idempotency-Key',
      );
      expect(pre.headers['access-control-allow-methods']).toContain('POST');
      expect(pre.headers['access-control-allow-credentials']).toBeUndefined();
      const get = await http()
        .get('/api/v1/chats/')
        .set(asApp())
        .set('Origin', 'https://x.example')
        .expect(200);
      expect(get.headers['access-control-allow-origin']).toBe('*');
      // The web pages (sessions, CSRF) take no part in CORS.
      const page = await http().get('/admin/').set('Origin', 'https://x.example');
      expect(page.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('follows the origins an admin allows, and validates them', async () => {
      await http()
        .put('/api/v1/settings/cors/')
        .set(asApp())
        .send({ allowed_origins: ['https://frontend.partner.example'] })
        .expect(403);
      await http()
        .put('/api/v1/settings/cors/')
        .set(asConfigurator())
        .send({ allowed_origins: ['https://frontend.partner.example/path', 'javascript:alert(1)'] })
        .expect(400);
      await http()
        .put('/api/v1/settings/cors/')
        .set(asConfigurator())
        .send({ allowed_origins: ['https://frontend.partner.example'] })
        .expect(200, { allowed_origins: ['https://frontend.partner.example'] });
      try {
        const allowed = await preflight('https://frontend.partner.example').expect(204);
        expect(allowed.headers['access-control-allow-origin']).toBe('https://frontend.partner.example');
        expect(allowed.headers.vary).toContain('Origin');
        const other = await preflight('https://evil.example');
        expect(other.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await http()
          .put('/api/v1/settings/cors/')
          .set(asConfigurator())
          .send({ allowed_origins: [] })
          .expect(200);
      }
      expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBe('*');
    });

    it('takes the instance WhatsApp key as the first admin; a wrong key falls through to the token', async () => {
      const me = await http().get('/api/v1/users/').set('D360-Api-Key', fixture.env.WABA_API_KEY).expect(200);
      expect(me.body.count).toBeGreaterThan(0);
      const sent = await http()
        .post('/api/v1/messages/')
        .set('D360-Api-Key', fixture.env.WABA_API_KEY)
        .send({
          wa_id: '4915100000703',
          type: 'template',
          template: { name: 'hello_world', language: { code: 'en_US' } },
        })
        .expect(201);
      expect(sent.body.sender).toMatchObject({ username: 'owner@example.com' });
      await http().get('/api/v1/chats/').set('D360-Api-Key', 'wrong').expect(403);
      await http().get('/api/v1/chats/').set('D360-Api-Key', 'wrong').set(asApp()).expect(200);
    });
  });
});
