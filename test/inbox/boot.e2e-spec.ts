import request from 'supertest';
import { InboxDb } from '../../apps/inbox/src/persistence/inbox-db';
import { MIGRATIONS } from '../../apps/inbox/src/persistence/migrations';
import { runTs } from '../support/processes';
import { bootstrapEnv, createTenantDatabase, dropTenantDatabase, startInbox } from '../support/inbox-harness';

describe('inbox instance boot', () => {
  const databases: string[] = [];
  const tenantDb = async () => {
    const url = await createTenantDatabase();
    databases.push(url);
    return url;
  };
  afterAll(async () => {
    for (const url of databases) await dropTenantDatabase(url);
  });

  it('stops with a message naming each missing or malformed variable', async () => {
    const { code, stderr } = await runTs('apps/inbox/src/main.ts', [], {
      INSTANCE_ID: 'not-hex',
      PUBLIC_URL: 'ftp://x',
      DATABASE_URL: '',
      MAX_NUMBER_OF_SEATS: 'five',
      WABA_API_KEY: 'k',
      SECRET_KEY: 'short-secret-value',
      CONFIGURATOR_USER_NAME: 'svc',
    });
    expect(code).toBe(1);
    for (const text of [
      'DATABASE_URL is required',
      'INSTANCE_ID must be 32 lowercase hex characters',
      'PUBLIC_URL must be an http(s) origin',
      'MAX_NUMBER_OF_SEATS must be a whole number (got "five")',
      'SECRET_KEY must be at least 32 characters',
      'CONFIGURATOR_USER_NAME and CONFIGURATOR_TOKEN_SHA256 go together',
    ]) {
      expect(stderr).toContain(text);
    }
    expect(stderr).not.toContain('short-secret-value');
  });

  it('keeps its state across a restart and never re-creates or resets the bootstrap users', async () => {
    const url = await tenantDb();
    const { env, secrets } = bootstrapEnv(url);
    const first = await startInbox(env);
    const asConfigurator = { Authorization: `Token ${secrets.configuratorToken}` };
    const admin = (
      await request(first.app.getHttpServer()).get('/api/v1/users/?limit=10').set(asConfigurator)
    ).body.results[0];
    await request(first.app.getHttpServer())
      .post(`/api/v1/users/${admin.id}/password/change/`)
      .set(asConfigurator)
      .send({ password: 'Quiet-Harbor-19' })
      .expect(200);
    await request(first.app.getHttpServer())
      .patch(`/api/v1/users/${admin.id}/`)
      .set(asConfigurator)
      .send({ first_name: 'Olivia' })
      .expect(200);
    const before = await first.app
      .get(InboxDb)
      .query('SELECT id, username, password_hash, first_name FROM users ORDER BY id');
    await first.app.close();

    // Second boot with a different configurator token hash in the environment: nothing changes.
    const second = await startInbox({ ...env, CONFIGURATOR_TOKEN_SHA256: 'f'.repeat(64) });
    try {
      const after = await second.app
        .get(InboxDb)
        .query('SELECT id, username, password_hash, first_name FROM users ORDER BY id');
      expect(after).toEqual(before);
      expect(
        (await request(second.app.getHttpServer()).get('/api/v1/users/current/').set(asConfigurator)).status,
      ).toBe(200);
      const codes = await second.app.get(InboxDb).query('SELECT count(*)::int AS n FROM activation_codes');
      expect(codes[0].n).toBe(1);
    } finally {
      await second.app.close();
    }
  });

  it('lets two replicas boot at once on a new database: one migration, one admin, both healthy', async () => {
    const url = await tenantDb();
    const { env } = bootstrapEnv(url);
    const [a, b] = await Promise.all([startInbox(env), startInbox(env)]);
    try {
      for (const replica of [a, b]) {
        expect((await request(replica.app.getHttpServer()).get('/api/v1/status/health/')).status).toBe(200);
      }
      const users = await a.app.get(InboxDb).query('SELECT username FROM users ORDER BY id');
      expect(users).toEqual([{ username: 'owner@example.com' }, { username: 'service_account' }]);
      const migrations = await a.app.get(InboxDb).query('SELECT count(*)::int AS n FROM migrations');
      expect(migrations[0].n).toBe(MIGRATIONS.length); // each applied once
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });

  it('reports 503 with the same check shape when its database is gone', async () => {
    const url = await tenantDb();
    const inbox = await startInbox(bootstrapEnv(url).env);
    try {
      await dropTenantDatabase(url);
      const res = await request(inbox.app.getHttpServer()).get('/api/v1/status/health');
      expect(res.status).toBe(503);
      expect(res.body[0]).toMatchObject({ check_name: 'database', is_ok: false });
      expect(res.body.map((c: { check_name: string }) => c.check_name)).toEqual([
        'database',
        'migrations',
        'provider',
      ]);
    } finally {
      await inbox.app.close();
    }
  });
});
