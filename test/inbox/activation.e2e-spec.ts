import request from 'supertest';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import {
  TenantSecrets,
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInbox,
} from '../support/inbox-harness';

const cookieOf = (res: request.Response, name: string): string | undefined =>
  ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
const valueOf = (cookie: string | undefined) => cookie?.split(';')[0].split('=')[1] ?? '';

describe('inbox activation page, login and admin page', () => {
  let databaseUrl: string;
  let inbox: Awaited<ReturnType<typeof startInbox>>;
  let secrets: TenantSecrets;
  const http = () => request(inbox.app.getHttpServer());

  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
    const boot = bootstrapEnv(databaseUrl, { PUBLIC_URL: 'https://tenant.example.com' });
    secrets = boot.secrets;
    inbox = await startInbox(boot.env);
  });
  afterAll(async () => {
    await inbox.app.close();
    await dropTenantDatabase(databaseUrl);
  });

  /** Opens the activation page and returns what a browser would keep: the CSRF cookie and field. */
  const openForm = async (code: string) => {
    const page = await http().get(`/confirm_account?c=${code}`);
    const csrfCookie = cookieOf(page, 'csrftoken');
    const field = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(page.text)?.[1];
    return { page, csrfCookie, csrf: valueOf(csrfCookie), field };
  };
  const submit = (code: string, csrf: string, password1: string, password2 = password1, field = csrf) =>
    http()
      .post(`/confirm_account?c=${code}`)
      .set('Cookie', `csrftoken=${csrf}`)
      .type('form')
      .send({ csrfmiddlewaretoken: field, password1, password2 });

  it('shows a set-password form with a CSRF cookie (SameSite=Lax, Secure on https)', async () => {
    const { page, csrfCookie, field, csrf } = await openForm(secrets.activationCode);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('owner@example.com');
    expect(page.text).toContain('name="password1"');
    expect(page.text).toContain('name="password2"');
    expect(csrfCookie).toMatch(/SameSite=Lax/);
    expect(csrfCookie).toMatch(/Secure/);
    expect(field).toBe(csrf);
  });

  it('refuses a submit without the CSRF token', async () => {
    const res = await http()
      .post(`/confirm_account?c=${secrets.activationCode}`)
      .type('form')
      .send({ password1: 'Quiet-Harbor-19', password2: 'Quiet-Harbor-19' });
    expect(res.status).toBe(403);
    expect(res.text).toContain('CSRF verification failed');
    const mismatched = await submit(
      secrets.activationCode,
      'a'.repeat(43),
      'Quiet-Harbor-19',
      'Quiet-Harbor-19',
      'b'.repeat(43),
    );
    expect(mismatched.status).toBe(403);
  });

  it.each([
    ['short', 'Ab1-x', 'This password is too short. It must contain at least 8 characters.'],
    ['numeric', '8491027365', 'This password is entirely numeric.'],
    ['similar to the username', 'owner@example', 'The password is too similar to the username.'],
    ['common', 'football1', 'This password is too common.'],
  ])('explains a %s password and keeps the link usable', async (_, password, message) => {
    const { csrf } = await openForm(secrets.activationCode);
    const res = await submit(secrets.activationCode, csrf, password);
    expect(res.status).toBe(400);
    expect(res.text).toContain(message.replace(/'/g, '&#39;'));
  });

  it('explains mismatched confirmation', async () => {
    const { csrf } = await openForm(secrets.activationCode);
    const res = await submit(secrets.activationCode, csrf, 'Quiet-Harbor-19', 'Quiet-Harbor-20');
    expect(res.text).toContain('The two password fields didn&#39;t match.');
  });

  it('activates: sets the password, logs in (HttpOnly, Lax, Secure session), lands on /admin/, spends the link', async () => {
    const { csrf } = await openForm(secrets.activationCode);
    const res = await submit(secrets.activationCode, csrf, 'Quiet-Harbor-19');
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/admin/');
    const session = cookieOf(res, 'sessionid');
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Secure/);
    const admin = await http()
      .get('/admin/')
      .set('Cookie', `sessionid=${valueOf(session)}`);
    expect(admin.status).toBe(200);
    expect(admin.text).toContain('Logged in as <strong>owner@example.com</strong>');
    expect(admin.text).toContain('Go to Web Inbox');
    const again = await http().get(`/confirm_account?c=${secrets.activationCode}`);
    expect(again.status).toBe(410);
    const token = await http()
      .post('/api/v1/auth/token/')
      .send({ username: 'owner@example.com', password: 'Quiet-Harbor-19' });
    expect(token.body.token).toMatch(/^[0-9a-f]{40}$/);
    const sessionApi = await http()
      .get('/api/v1/users/current/')
      .set('Cookie', `sessionid=${valueOf(session)}`);
    expect(sessionApi.body.username).toBe('owner@example.com');
    const unsafe = await http()
      .patch(`/api/v1/users/${sessionApi.body.id}/`)
      .set('Cookie', `sessionid=${valueOf(session)}`)
      .send({ first_name: 'x' });
    expect(unsafe.status).toBe(403);
    expect(unsafe.body.detail).toMatch(/^CSRF Failed/);
  });

  it('answers unknown and expired links with clear 4xx pages', async () => {
    const unknown = await http().get('/confirm_account?c=not-a-code');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('This activation link is not valid');
    expect((await http().get('/confirm_account')).status).toBe(404);
    const created = await http()
      .post('/api/v1/users/')
      .set('Authorization', `Token ${secrets.configuratorToken}`)
      .send({ username: 'late' });
    await inbox.app
      .get(InboxDb)
      .query(`UPDATE activation_codes SET expires_at = now() - interval '1 minute' WHERE user_id = $1`, [
        created.body.id,
      ]);
    const link = new URL(created.body.activation_url);
    const expired = await http().get(`${link.pathname}${link.search}`);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This activation link has expired');
  });

  it('logs in and out through /login/, never the configurator, and redirects /admin/ to login without a session', async () => {
    const redirect = await http().get('/admin/');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.location).toBe('/login/?next=/admin/');
    const form = await http().get('/login/');
    const csrf = valueOf(cookieOf(form, 'csrftoken'));
    const login = (username: string, password: string, next = '/admin/') =>
      http()
        .post('/login/')
        .set('Cookie', `csrftoken=${csrf}`)
        .type('form')
        .send({ csrfmiddlewaretoken: csrf, username, password, next });
    expect((await login('owner@example.com', 'wrong')).status).toBe(400);
    const offsite = await login('owner@example.com', 'Quiet-Harbor-19', 'https://evil.example/');
    expect(offsite.headers.location).toBe('/admin/');
    const ok = await login('owner@example.com', 'Quiet-Harbor-19');
    expect(ok.status).toBe(302);
    const session = valueOf(cookieOf(ok, 'sessionid'));
    const out = await http()
      .post('/logout/')
      .set('Cookie', `csrftoken=${csrf}; sessionid=${session}`)
      .type('form')
      .send({ csrfmiddlewaretoken: csrf });
    expect(out.headers.location).toBe('/login/');
    expect((await http().get('/admin/').set('Cookie', `sessionid=${session}`)).status).toBe(302);
    // The configurator has no password; even with one set by an admin it gets no web session.
    const users = await http()
      .get('/api/v1/users/')
      .set('Authorization', `Token ${secrets.configuratorToken}`);
    const configurator = users.body.results.find(
      (u: { username: string }) => u.username === 'service_account',
    );
    await inbox.app
      .get(InboxDb)
      .query(
        `UPDATE users SET password_hash = (SELECT password_hash FROM users WHERE username = 'owner@example.com') WHERE id = $1`,
        [configurator.id],
      );
    const refused = await login('service_account', 'Quiet-Harbor-19');
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('cannot log in to the web interface');
    expect(cookieOf(refused, 'sessionid')).toBeUndefined();
  });
});
