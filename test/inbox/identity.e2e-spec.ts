import request from 'supertest';
import { MIGRATIONS } from '../../apps/inbox/src/persistence/migrations';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import {
  TenantSecrets,
  bootstrapEnv,
  createTenantDatabase,
  dropTenantDatabase,
  startInbox,
} from '../support/inbox-harness';

describe('inbox instance: health, tokens, users, seats', () => {
  let databaseUrl: string;
  let inbox: Awaited<ReturnType<typeof startInbox>>;
  let secrets: TenantSecrets;
  const http = () => request(inbox.app.getHttpServer());
  const asConfigurator = () => ({ Authorization: `Token ${secrets.configuratorToken}` });

  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
    const boot = bootstrapEnv(databaseUrl);
    secrets = boot.secrets;
    inbox = await startInbox(boot.env);
  });
  afterAll(async () => {
    await inbox.app.close();
    await dropTenantDatabase(databaseUrl);
  });

  it('answers the health check without auth, with and without the trailing slash', async () => {
    for (const path of ['/api/v1/status/health', '/api/v1/status/health/']) {
      const res = await http().get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual([
        { check_name: 'database', is_ok: true, message: 'reachable' },
        { check_name: 'migrations', is_ok: true, message: `${MIGRATIONS.length} applied` },
        { check_name: 'provider', is_ok: false, message: expect.any(String) }, // no provider in this test
      ]);
    }
  });

  it("refuses anonymous API calls in DRF's words, and a bad token with 401", async () => {
    const anonymous = await http().get('/api/v1/users/current/');
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    const bad = await http()
      .get('/api/v1/users/current/')
      .set('Authorization', 'Token 0000000000000000000000000000000000000000');
    expect(bad.status).toBe(401);
    expect(bad.body).toEqual({ detail: 'Invalid token.' });
    expect(bad.headers['www-authenticate']).toBe('Token');
  });

  it('lets the configurator in with the token whose hash it was booted with', async () => {
    const res = await http().get('/api/v1/users/current/').set(asConfigurator());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      url: `http://tenant.localhost:8080/api/v1/users/${res.body.id}/`,
      id: res.body.id,
      username: 'service_account',
      first_name: '',
      last_name: '',
      email: '',
      profile: { role: 'admin' },
      groups: [{ id: 1, name: 'Admin' }],
      // A service account: it sets tags up but never tags chats or messages (messaging).
      permissions: { can_use_tags: false, can_read_chats: 'none', can_write_to_chats: 'none' },
    });
  });

  it("stores tokens only hashed (the configurator's is never stored in clear)", async () => {
    const rows = await inbox.app.get(InboxDb).query('SELECT key_sha256, key_enc FROM auth_tokens');
    expect(JSON.stringify(rows)).not.toContain(secrets.configuratorToken);
  });

  it('lists users and groups for admins, paginated', async () => {
    const users = await http().get('/api/v1/users/').set(asConfigurator());
    expect(users.status).toBe(200);
    expect(users.body).toMatchObject({ count: 2, next: null, previous: null });
    expect(users.body.results.map((u: { username: string }) => u.username)).toEqual([
      'owner@example.com',
      'service_account',
    ]);
    const groups = await http().get('/api/v1/groups/').set(asConfigurator());
    expect(groups.body).toEqual({
      count: 3,
      next: null,
      previous: null,
      results: [
        { id: 1, name: 'Admin' },
        { id: 2, name: 'Regular user' },
        { id: 3, name: 'App integration' },
      ],
    });
    const page = await http().get('/api/v1/users/?limit=1').set(asConfigurator());
    expect(page.body.results).toHaveLength(1);
    expect(page.body.next).toBe('http://tenant.localhost:8080/api/v1/users/?limit=1&offset=1');
  });

  it('creates an app user whose activation URL answers a token once, then is spent', async () => {
    const created = await http()
      .post('/api/v1/users/')
      .set(asConfigurator())
      .send({ username: 'bot1', profile: { role: 'app' } });
    expect(created.status).toBe(201);
    expect(created.body.activation_url).toMatch(
      /^http:\/\/tenant\.localhost:8080\/confirm_account\?c=[0-9a-f-]{36}$/,
    );
    const path = new URL(created.body.activation_url);
    const first = await http().get(`${path.pathname}${path.search}`);
    expect(first.status).toBe(200);
    expect(first.body.token).toMatch(/^[0-9a-f]{40}$/);
    const me = await http().get('/api/v1/users/current/').set('Authorization', `Token ${first.body.token}`);
    expect(me.body).toMatchObject({ username: 'bot1', profile: { role: 'app' } });
    const again = await http().get(`${path.pathname}${path.search}`);
    expect(again.status).toBe(410);
    expect(again.text).toContain('already been used');
    const listed = await http().get(`/api/v1/users/${created.body.id}/`).set(asConfigurator());
    expect(listed.body.activation_url).toBeUndefined();
  });

  it('issues the same token for a password login while it exists (JSON, form and multipart)', async () => {
    const created = await http()
      .post('/api/v1/users/')
      .set(asConfigurator())
      .send({ username: 'agent1', email: 'agent1@example.com' });
    await http()
      .post(`/api/v1/users/${created.body.id}/password/change/`)
      .set(asConfigurator())
      .send({ password: 'Blue-Kettle-42' })
      .expect(200);
    const code = new URL(created.body.activation_url).searchParams.get('c');
    await inbox.app.get(InboxDb).query(`UPDATE users SET is_active = true WHERE id = $1`, [created.body.id]);
    const json = await http()
      .post('/api/v1/auth/token/')
      .send({ username: 'agent1', password: 'Blue-Kettle-42' });
    expect(json.status).toBe(200);
    expect(json.body.token).toMatch(/^[0-9a-f]{40}$/);
    const form = await http()
      .post('/api/v1/auth/token/')
      .type('form')
      .send({ username: 'agent1', password: 'Blue-Kettle-42' });
    const multipart = await http()
      .post('/api/v1/auth/token/')
      .field('username', 'agent1')
      .field('password', 'Blue-Kettle-42');
    expect(form.body.token).toBe(json.body.token);
    expect(multipart.body.token).toBe(json.body.token);
    expect(code).toBeTruthy();
    const wrong = await http().post('/api/v1/auth/token/').send({ username: 'agent1', password: 'nope' });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ non_field_errors: ['Unable to log in with provided credentials.'] });
    const missing = await http().post('/api/v1/auth/token/').send({});
    expect(missing.body).toEqual({
      username: ['This field is required.'],
      password: ['This field is required.'],
    });
    const stored = await inbox.app
      .get(InboxDb)
      .query(`SELECT key_sha256, key_enc FROM auth_tokens WHERE user_id = $1`, [created.body.id]);
    expect(JSON.stringify(stored)).not.toContain(json.body.token);
  });

  it("validates users in DRF's field-error shape", async () => {
    const res = await http()
      .post('/api/v1/users/')
      .set(asConfigurator())
      .send({ username: 'bad name!', email: 'nope', profile: { role: 'king' } });
    expect(res.status).toBe(400);
    expect(Object.keys(res.body).sort()).toEqual(['email', 'profile', 'username']);
    const dup = await http()
      .post('/api/v1/users/')
      .set(asConfigurator())
      .send({ username: 'bot1', profile: { role: 'app' } });
    expect(dup.body).toEqual({ username: ['A user with that username already exists.'] });
  });

  it('enforces MAX_NUMBER_OF_SEATS for admins and users, not for app users, and creates nothing on refusal', async () => {
    // Seats: 3. Taken: the admin (1) + agent1 (1). One more user fits, the next does not.
    expect(
      (await http().post('/api/v1/users/').set(asConfigurator()).send({ username: 'agent2' })).status,
    ).toBe(201);
    const refused = await http()
      .post('/api/v1/users/')
      .set(asConfigurator())
      .send({ username: 'agent3', profile: { role: 'admin' } });
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(/^Seat limit reached: this instance has 3 seats/);
    const users = await http().get('/api/v1/users/?limit=100').set(asConfigurator());
    expect(users.body.results.map((u: { username: string }) => u.username)).not.toContain('agent3');
    expect(
      (
        await http()
          .post('/api/v1/users/')
          .set(asConfigurator())
          .send({ username: 'bot2', profile: { role: 'app' } })
      ).status,
    ).toBe(201);
    const promote = await http()
      .patch(
        `/api/v1/users/${users.body.results.find((u: { username: string }) => u.username === 'bot1').id}/`,
      )
      .set(asConfigurator())
      .send({ profile: { role: 'user' } });
    expect(promote.status).toBe(403);
  });

  it('lets the first-boot users PUT themselves with their own names (the admin e-mail, service_account)', async () => {
    const users = (await http().get('/api/v1/users/?limit=100').set(asConfigurator())).body.results as {
      id: number;
      username: string;
    }[];
    for (const username of ['owner@example.com', 'service_account']) {
      const user = users.find((u) => u.username === username)!;
      const put = await http()
        .put(`/api/v1/users/${user.id}/`)
        .set(asConfigurator())
        .send({ username, email: 'owner@example.com', first_name: 'Own', last_name: 'Er' });
      expect([put.status, put.body.username]).toEqual([200, username]);
    }
    // A new name chosen through the API still follows seed 002: letters and digits only.
    const admin = users.find((u) => u.username === 'owner@example.com')!;
    const renamed = await http()
      .patch(`/api/v1/users/${admin.id}/`)
      .set(asConfigurator())
      .send({ username: 'new.owner@example.com' });
    expect(renamed.status).toBe(400);
    expect(renamed.body.username[0]).toContain('Only letters (A-Z, a-z) and digits (0-9)');
  });

  it('updates users with PUT and PATCH; non-admins only themselves and never their role', async () => {
    const users = (await http().get('/api/v1/users/?limit=100').set(asConfigurator())).body.results as {
      id: number;
      username: string;
    }[];
    const agent1 = users.find((u) => u.username === 'agent1')!;
    const patched = await http()
      .patch(`/api/v1/users/${agent1.id}/`)
      .set(asConfigurator())
      .send({ first_name: 'Ada' });
    expect(patched.body).toMatchObject({ first_name: 'Ada', username: 'agent1' });
    const put = await http()
      .put(`/api/v1/users/${agent1.id}/`)
      .set(asConfigurator())
      .send({ username: 'agent1', email: 'ada@example.com', first_name: 'Ada', last_name: 'L' });
    expect(put.body).toMatchObject({ email: 'ada@example.com', last_name: 'L' });
    const token = (
      await http().post('/api/v1/auth/token/').send({ username: 'agent1', password: 'Blue-Kettle-42' })
    ).body.token;
    const asAgent = { Authorization: `Token ${token}` };
    expect(
      (await http().patch(`/api/v1/users/${agent1.id}/`).set(asAgent).send({ last_name: 'Lovelace' })).status,
    ).toBe(200);
    expect(
      (
        await http()
          .patch(`/api/v1/users/${agent1.id}/`)
          .set(asAgent)
          .send({ profile: { role: 'admin' } })
      ).status,
    ).toBe(403);
    const other = users.find((u) => u.username === 'service_account')!;
    expect(
      (await http().patch(`/api/v1/users/${other.id}/`).set(asAgent).send({ first_name: 'x' })).status,
    ).toBe(403);
    // Agents list users and groups (to assign chats: issue 14) but do not create or change others.
    const listed = await http().get('/api/v1/users/').set(asAgent);
    expect(listed.status).toBe(200);
    expect(listed.body.results.map((u: { username: string }) => u.username)).toContain('agent1');
    expect((await http().get('/api/v1/groups/').set(asAgent)).status).toBe(200);
    expect((await http().post('/api/v1/users/').set(asAgent).send({ username: 'sneaky' })).status).toBe(403);
    expect((await http().get('/api/v1/users/999999/').set(asConfigurator())).status).toBe(404);
  });

  it("changes passwords: your own with the current one, anyone's as an admin, with Django's validators", async () => {
    const token = (
      await http().post('/api/v1/auth/token/').send({ username: 'agent1', password: 'Blue-Kettle-42' })
    ).body.token;
    const asAgent = { Authorization: `Token ${token}` };
    const wrong = await http()
      .post('/api/v1/users/password/change/')
      .set(asAgent)
      .send({ current_password: 'x', new_password: 'Green-Teapot-77' });
    expect(wrong.body).toEqual({
      current_password: ['Your old password was entered incorrectly. Please enter it again.'],
    });
    const weak = await http()
      .post('/api/v1/users/password/change/')
      .set(asAgent)
      .send({ current_password: 'Blue-Kettle-42', new_password: '12345678' });
    expect(weak.status).toBe(400);
    expect(weak.body.new_password).toEqual(
      expect.arrayContaining(['This password is entirely numeric.', 'This password is too common.']),
    );
    expect(
      (
        await http()
          .post('/api/v1/users/password/change/')
          .set(asAgent)
          .send({ current_password: 'Blue-Kettle-42', new_password: 'Green-Teapot-77' })
      ).status,
    ).toBe(200);
    expect(
      (await http().post('/api/v1/auth/token/').send({ username: 'agent1', password: 'Green-Teapot-77' }))
        .body.token,
    ).toBe(token);
  });

  it('provides the guard messaging endpoints will use: the configurator is refused', async () => {
    const { ApiAuthGuard, NoConfigurator } = await import('../../apps/inbox/src/identity/api-auth.guard');
    const { Reflector } = await import('@nestjs/core');
    const guard = inbox.app.get(ApiAuthGuard);
    class Messaging {
      @NoConfigurator()
      send() {}
    }
    const handler = Object.getOwnPropertyDescriptor(Messaging.prototype, 'send')!.value as () => void;
    const context = (authorization: string) => ({
      switchToHttp: () => ({ getRequest: () => ({ headers: { authorization }, method: 'POST' }) }),
      getHandler: () => handler,
      getClass: () => Messaging,
    });
    expect(inbox.app.get(Reflector)).toBeDefined();
    await expect(
      guard.canActivate(context(`Token ${secrets.configuratorToken}`) as never),
    ).rejects.toMatchObject({
      response: { detail: 'The configurator user cannot use messaging endpoints.' },
    });
    const agentToken = (
      await http().post('/api/v1/auth/token/').send({ username: 'agent1', password: 'Green-Teapot-77' })
    ).body.token;
    await expect(guard.canActivate(context(`Token ${agentToken}`) as never)).resolves.toBe(true);
  });
});
