/**
 * The inbox against input an attacker or a careless client sends: no 5xx, no slow path, errors in
 * DRF's shape on the API and as HTML on the web pages. Each case reproduces a finding of the
 * outside probe (issue 10).
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import request from 'supertest';
import {
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInboxProcess,
} from '../support/inbox-harness';

/** Sends a raw body and resolves with the status and how long the answer took from the first byte sent. */
function timedPost(url: string, path: string, contentType: string, body: Buffer) {
  return new Promise<{ status: number; ms: number }>((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(
      `${url}${path}`,
      { method: 'POST', headers: { 'Content-Type': contentType, 'Content-Length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function timedGet(url: string) {
  const started = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

const MIB = 1024 * 1024;
const boundary = 'XyZ';
/** Bodies that made the old hand-written multipart regex quadratic, each 1 MiB. */
const HOSTILE_MULTIPART: Record<string, Buffer> = {
  'headers that never end': Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="username"\r\n` +
      'a\r\n'.repeat(MIB / 3).slice(0, MIB - 80),
  ),
  'one boundary after another': Buffer.from(`--${boundary}\r\n`.repeat(Math.floor(MIB / 7))),
  'a field of 1 MiB': Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\n` +
      '\r\n'.repeat(MIB / 2 - 100) +
      `\r\n--${boundary}--\r\n`,
  ),
};

describe('inbox: hostile and malformed input', () => {
  let databaseUrl: string;
  // A real instance process, as the runtime starts it: timings are its own, not the test runner's.
  let inbox: Awaited<ReturnType<typeof startInboxProcess>>;
  const http = () => request(inbox.url);

  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
    inbox = await startInboxProcess(bootstrapEnv(databaseUrl).env);
  });
  afterAll(async () => {
    await inbox.stop();
    await dropTenantDatabase(databaseUrl);
  });

  for (const [name, body] of Object.entries(HOSTILE_MULTIPART)) {
    it(`answers a 1 MiB hostile multipart body (${name}) in < 100 ms, and a health check meanwhile in < 50 ms`, async () => {
      expect(body.length).toBeGreaterThan(MIB * 0.95);
      expect(body.length).toBeLessThanOrEqual(MIB);
      await timedGet(`${inbox.url}/api/v1/status/health`); // warm
      const [hostile, health] = await Promise.all([
        timedPost(inbox.url, '/api/v1/auth/token/', `multipart/form-data; boundary=${boundary}`, body),
        new Promise((r) => setTimeout(r, 5)).then(() => timedGet(`${inbox.url}/api/v1/status/health`)),
      ]);
      process.stdout.write(
        `${name}: ${hostile.status} in ${hostile.ms.toFixed(1)} ms, health ${health.ms.toFixed(1)} ms\n`,
      );
      expect(hostile.status).toBeGreaterThanOrEqual(400);
      expect(hostile.status).toBeLessThan(500);
      expect(health.status).toBe(200);
      expect(hostile.ms).toBeLessThan(100);
      expect(health.ms).toBeLessThan(50);
    });
  }

  it('still reads a well-formed multipart form (fields only)', async () => {
    const res = await http()
      .post('/api/v1/auth/token/')
      .field('username', 'nobody')
      .field('password', 'wrong-password');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ non_field_errors: ['Unable to log in with provided credentials.'] });
  });

  it('refuses a file part and more parts than a form has, with a 4xx', async () => {
    const file = await http().post('/api/v1/auth/token/').attach('username', Buffer.from('x'), 'x.txt');
    expect(file.status).toBe(413);
    expect(file.body).toEqual({ detail: expect.any(String) });
    const many = http().post('/api/v1/auth/token/');
    for (let i = 0; i < 60; i++) void many.field(`f${i}`, 'v');
    expect((await many).status).toBe(413);
  });

  it('reads JSON sent with a charset (or any other parameter)', async () => {
    const res = await http()
      .post('/api/v1/auth/token/')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ username: 'nobody', password: 'wrong-password' }));
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ non_field_errors: ['Unable to log in with provided credentials.'] });
  });

  it('answers invalid UTF-8, deep nesting and __proto__ keys in JSON with a 400 parse error', async () => {
    for (const body of [
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      Buffer.from('['.repeat(10_000) + ']'.repeat(10_000)),
      Buffer.from('{"__proto__": {"isAdmin": true}}'),
    ]) {
      // fetch sends the bytes as they are (supertest would serialise a Buffer as JSON).
      const res = await fetch(`${inbox.url}/api/v1/auth/token/`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: new Uint8Array(body),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/^JSON parse error - /);
    }
  });

  it('answers /confirm_account?c=a&c=b with a 4xx HTML page', async () => {
    const res = await http().get('/confirm_account?c=a&c=b');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
  });

  it('survives a malformed % escape in any cookie on every route', async () => {
    for (const [method, path] of [
      ['get', '/confirm_account?c=x'],
      ['post', '/confirm_account?c=x'],
      ['get', '/login/'],
      ['post', '/login/'],
      ['post', '/logout/'],
      ['get', '/admin/'],
      ['get', '/api/v1/users/current/'],
      ['get', '/api/v1/status/health'],
      ['post', '/api/v1/auth/token/'],
    ] as const) {
      const res = await http()[method](path).set('Cookie', 'sessionid=%zz; csrftoken=%E0%A4%A');
      expect(res.status).toBeLessThan(500);
    }
  });

  it('answers non-string form fields on the web pages with a 400 HTML page', async () => {
    const page = await http().get('/login/');
    const csrf = /csrftoken=([^;]+)/.exec(String(page.headers['set-cookie']))![1];
    for (const [path, body] of [
      ['/login/', { csrfmiddlewaretoken: { a: 1 } }],
      ['/login/', { csrfmiddlewaretoken: csrf, username: ['a'], password: 'x' }],
      ['/confirm_account?c=x', { csrfmiddlewaretoken: 42 }],
      ['/confirm_account?c=x', { csrfmiddlewaretoken: csrf, password1: 1, password2: 'x' }],
      ['/confirm_account?c=x', { csrfmiddlewaretoken: csrf, password1: 'x', password2: ['x'] }],
    ] as const) {
      const res = await http().post(path).set('Cookie', `csrftoken=${csrf}`).send(body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.text).toContain('Not a valid string.');
    }
  });

  it('answers errors on web pages as HTML and on the API as JSON', async () => {
    const page = await http().get('/no-such-page');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    const api = await http().get('/api/v1/no-such-thing/');
    expect(api.status).toBe(404);
    expect(api.body).toEqual({ detail: 'Not found.' });
  });

  it('answers a wrong method on a known path with 405 and Allow', async () => {
    const res = await http().delete('/api/v1/auth/token/');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body).toEqual({ detail: 'Method "DELETE" not allowed.' });
    const users = await http().delete('/api/v1/users/');
    expect(users.status).toBe(405);
    expect(users.headers.allow).toContain('GET');
  });

  it('answers router errors in its own shape: %zz in the path 400, an over-long id 414', async () => {
    const bad = await http().get('/api/v1/users/%zz/');
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ detail: expect.stringContaining('Malformed URL') });
    const long = await http().get(`/api/v1/users/${'1'.repeat(101)}/`);
    expect(long.status).toBe(414);
    expect(long.body).toEqual({ detail: expect.stringContaining('URI Too Long') });
  });

  it('refuses an over-long password without hashing it', async () => {
    const started = performance.now();
    const res = await http()
      .post('/api/v1/auth/token/')
      .send({ username: 'owner@example.com', password: 'x'.repeat(900_000) });
    expect(res.status).toBe(400);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('closes a connection whose headers never finish', async () => {
    const socket = connect(Number(new URL(inbox.url).port), '127.0.0.1');
    socket.write('POST /api/v1/auth/token/ HTTP/1.1\r\nHost: x\r\n');
    const closed = await new Promise<string>((resolve) => {
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('close', () => resolve(data));
    });
    expect(closed).toMatch(/^HTTP\/1\.1 408/);
  }, 20_000);
});
