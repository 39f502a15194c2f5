/**
 * The Partner API against what the outside probe sent (issue 10): each of these was a 500, a
 * wrong status or a link to somebody else's host. Every answer is a 4xx in FastAPI's shape.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { TestPartner, createTestPartner, startApi, uniqueChannel } from '../support/api-harness';

const PUBLIC_API_URL = 'https://api.partner-platform.test';

/** A raw HTTP/1.x exchange on a socket: what a client library would not let us send. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(data));
    setTimeout(() => socket.end(), 2000);
  });
}

/** Posts bytes exactly as given (supertest would re-serialise a Buffer). */
async function postBytes(url: string, auth: Record<string, string>, contentType: string, body: Buffer) {
  const res = await fetch(`${url}/v1/instances`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': contentType },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as { detail: unknown } };
}

describe('Partner API: hostile and malformed input', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let partner: TestPartner;
  let port: number;
  const http = () => request(api.app.getHttpServer());

  beforeAll(async () => {
    api = await startApi({ PUBLIC_API_URL });
    partner = await createTestPartner(api.app.get(DataSource));
    port = Number(new URL(api.url).port);
    for (let i = 0; i < 3; i++) {
      await http().post('/v1/instances').set(partner.auth).send({ channel_id: uniqueChannel() }).expect(201);
    }
  });
  afterAll(() => api.close());

  it('answers an offset beyond bigint with 422, not a database error', async () => {
    for (const offset of ['1e300', '9223372036854775808', '1000000001']) {
      const res = await http().get(`/v1/instances?offset=${offset}`).set(partner.auth);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['query', 'offset']);
    }
  });

  it('answers a NUL byte in filters, webhook_url and event_url with 422', async () => {
    for (const query of ['channel_id=%00', 'subdomain=a%00b']) {
      const res = await http().get(`/v1/instances?${query}`).set(partner.auth);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].type).toBe('string_pattern_mismatch');
    }
    const create = await http()
      .post('/v1/instances')
      .set(partner.auth)
      .send({
        channel_id: uniqueChannel(),
        configurator: { user_name: 'bot', webhook_url: 'https://a.b/\u0000' },
      });
    expect(create.status).toBe(422);
    expect(create.body.detail[0].loc).toEqual(['body', 'configurator', 'webhook_url']);
    const settings = await http()
      .put('/v1/partner/settings')
      .set(partner.auth)
      .send({ event_url: 'https://a.b/x\u0000y' });
    expect(settings.status).toBe(422);
    expect(settings.body.detail[0].loc).toEqual(['body', 'event_url']);
  });

  it('answers JSON nested 10,000 levels deep with 422 json_invalid (the validator never walks it)', async () => {
    const deep = Buffer.from(`{"configurator":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    const res = await postBytes(api.url, partner.auth, 'application/json', deep);
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({
        type: 'json_invalid',
        msg: expect.stringContaining('nesting deeper than 64'),
      }),
    ]);
  });

  it('answers invalid UTF-8 with 422 json_invalid at the bad byte', async () => {
    const res = await postBytes(
      api.url,
      partner.auth,
      'application/json',
      Buffer.concat([Buffer.from('{"channel_id": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
    );
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { loc: ['body', 16], msg: 'JSON decode error: the body is not valid UTF-8', type: 'json_invalid' },
    ]);
  });

  it('takes JSON with a charset (or any parameter) as JSON', async () => {
    for (const type of [
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
      'application/json; v=1',
    ]) {
      const res = await postBytes(
        api.url,
        partner.auth,
        type,
        Buffer.from(JSON.stringify({ channel_id: uniqueChannel() })),
      );
      expect(res.status).toBe(201);
    }
  });

  it('builds pagination links from PUBLIC_API_URL, whatever Host and X-Forwarded-* say', async () => {
    for (const headers of [
      { 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' },
      { Host: 'bad host name:x' },
      { Host: '[::1' },
      { 'X-Forwarded-Proto': 'gopher://' },
      { 'X-Forwarded-Host': '%zz' },
    ]) {
      const res = await http().get('/v1/instances?limit=1&offset=1').set(partner.auth).set(headers);
      expect(res.status).toBe(200);
      expect(res.body.next).toBe(`${PUBLIC_API_URL}/v1/instances?limit=1&offset=2`);
      expect(res.body.previous).toBe(`${PUBLIC_API_URL}/v1/instances?limit=1`);
    }
  });

  it('answers a paged list over HTTP/1.0 with no Host', async () => {
    const answer = await rawExchange(
      port,
      `GET /v1/instances?limit=1 HTTP/1.0\r\nAuthorization: ${partner.auth.Authorization}\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.[01] 200/);
    expect(answer).toContain(`"next":"${PUBLIC_API_URL}/v1/instances?limit=1&offset=1"`);
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const patch = await http().patch('/v1/instances').set(partner.auth).send({});
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, HEAD, POST');
    expect(patch.body).toEqual({ detail: 'Method Not Allowed' });
    const post = await http()
      .post(`/v1/instances/${'a'.repeat(32)}`)
      .set(partner.auth);
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('DELETE, GET, HEAD');
    const unknown = await http().get('/v1/nothing-here').set(partner.auth);
    expect(unknown.status).toBe(404);
  });

  it('answers router errors in its own shape: %zz 400, an id over 100 characters 414', async () => {
    const bad = await http().get('/v1/instances/%zz').set(partner.auth);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ detail: 'Malformed URL: the path has an invalid percent-encoding' });
    const long = await http()
      .get(`/v1/instances/${'a'.repeat(101)}`)
      .set(partner.auth);
    expect(long.status).toBe(414);
    expect(long.body).toEqual({ detail: 'URI Too Long: a path segment is longer than 100 characters' });
  });

  it('answers what Node refuses before Fastify (a malformed request line, 20 KB of headers, stalled headers) in its own shape', async () => {
    const statusAndBody = (answer: string) => {
      const [head, body] = answer.split('\r\n\r\n');
      return { status: head.split(' ')[1], body: JSON.parse(body) as unknown };
    };
    expect(statusAndBody(await rawExchange(port, 'GET /v1/instances HTTP/1.1 extra\r\n\r\n'))).toEqual({
      status: '400',
      body: { detail: 'Bad Request: the request could not be parsed' },
    });
    const big = `GET /v1/instances HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`;
    expect(statusAndBody(await rawExchange(port, big))).toEqual({
      status: '431',
      body: { detail: 'Request Header Fields Too Large' },
    });
    const stalled = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET /v1/instances HTTP/1.1\r\nHost: x\r\n'),
      );
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(statusAndBody(stalled)).toEqual({
      status: '408',
      body: { detail: 'Request Timeout: the request was not received in time' },
    });
  }, 20_000);

  it('times out a request whose body stalls (headers sent, then `{"a":` and nothing more)', async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const req = httpRequest(`${api.url}/v1/instances`, {
        method: 'POST',
        headers: { ...partner.auth, 'Content-Type': 'application/json', 'Content-Length': '1000' },
      });
      req.on('response', (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (error) => resolve(`closed: ${error.message}`));
      req.write('{"a":');
    });
    const waited = Date.now() - started;
    expect(answer).toMatch(/HTTP 408|closed/);
    expect(waited).toBeGreaterThanOrEqual(9_000);
    expect(waited).toBeLessThan(15_000);
  }, 30_000);
});

describe('Partner API: webhook URLs into our own network, refused when given', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let partner: TestPartner;
  const http = () => request(api.app.getHttpServer());

  beforeAll(async () => {
    // What production runs with (the default outside local mode).
    api = await startApi({ WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' });
    partner = await createTestPartner(api.app.get(DataSource));
  });
  afterAll(() => api.close());

  it.each([
    ['http://169.254.169.254/latest/meta-data', 'a cloud metadata or link-local address'],
    ['http://[::ffff:169.254.169.254]/', 'a cloud metadata or link-local address'],
    ['http://[::1]/hook', 'a loopback, private or reserved address'],
    ['http://localhost./hook', 'a loopback, private or reserved address'],
    ['http://10.0.0.8/hook', 'a loopback, private or reserved address'],
  ])('answers 422 for configurator.webhook_url %s and for event_url, storing nothing', async (url, what) => {
    const before = (await http().get('/v1/instances').set(partner.auth).expect(200)).body.count as number;
    const create = await http()
      .post('/v1/instances')
      .set(partner.auth)
      .send({ channel_id: uniqueChannel(), configurator: { user_name: 'bot', webhook_url: url } });
    expect(create.status).toBe(422);
    expect(create.body.detail).toEqual([
      {
        loc: ['body', 'configurator', 'webhook_url'],
        msg: `URL may not point at ${what}`,
        type: 'url_blocked',
      },
    ]);
    expect((await http().get('/v1/instances').set(partner.auth).expect(200)).body.count).toBe(before);
    const settings = await http().put('/v1/partner/settings').set(partner.auth).send({ event_url: url });
    expect(settings.status).toBe(422);
    expect(settings.body.detail[0].loc).toEqual(['body', 'event_url']);
  });

  it('still takes a public name (the delivery resolves and checks it)', async () => {
    await http()
      .post('/v1/instances')
      .set(partner.auth)
      .send({
        channel_id: uniqueChannel(),
        configurator: { user_name: 'bot', webhook_url: 'https://example.com/hook' },
      })
      .expect(201);
  });
});
