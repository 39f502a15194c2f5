import { Client } from 'pg';
import { newInstanceId } from '@app/common';
import { TenantDatabases, newDatabasePassword, spareScopeFor } from '@app/provisioning';
import { PermanentStepError } from '@app/common';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('tenant databases (real PostgreSQL)', () => {
  const databases = new TenantDatabases(ADMIN_URL);
  const created: string[] = [];
  const newTenant = () => {
    const id = newInstanceId();
    created.push(id);
    return id;
  };
  afterAll(async () => {
    for (const id of created) await databases.drop(id);
  });

  it('work queued behind a busy admin pool waits for a connection instead of failing after 5 s', async () => {
    // A delete storm (211 deletes on 4 connections) once failed with "timeout exceeded when
    // trying to connect": the pool gave up on a queued caller after 5 s.
    const tiny = new TenantDatabases(ADMIN_URL, { poolSize: 1 });
    const blocker = new Client({ connectionString: ADMIN_URL });
    await blocker.connect();
    try {
      const busy = newTenant();
      // Hold the lock `ensure` takes, so the pool's only connection stays busy for 6 s.
      await blocker.query('SELECT pg_advisory_lock(hashtext($1))', [`tenant_${busy}`]);
      const ensuring = tiny.ensure(busy, newDatabasePassword());
      const storm = Array.from({ length: 10 }, () => tiny.drop(newInstanceId()));
      await new Promise((r) => setTimeout(r, 6000));
      await blocker.query('SELECT pg_advisory_unlock(hashtext($1))', [`tenant_${busy}`]);
      await expect(ensuring).resolves.toContain(`tenant_${busy}`);
      await expect(Promise.all(storm)).resolves.toHaveLength(10);
    } finally {
      await blocker.end();
      await tiny.close();
    }
  });

  it('two control planes on one server keep their spares apart', async () => {
    const staging = new TenantDatabases(ADMIN_URL, {
      spareScope: spareScopeFor('postgres://db.internal:5432/platform_staging'),
    });
    const production = new TenantDatabases(ADMIN_URL, {
      spareScope: spareScopeFor('postgres://db.internal:5432/platform_production'),
    });
    try {
      expect(await staging.refillSpares(2)).toBe(2);
      expect(await production.refillSpares(1)).toBe(1);
      expect([await staging.spareCount(), await production.spareCount()]).toEqual([2, 1]);
      // Production claims its own spare; staging's two are untouched, and the other way round.
      await production.ensure(newTenant(), newDatabasePassword());
      expect([await staging.spareCount(), await production.spareCount()]).toEqual([2, 0]);
      await staging.ensure(newTenant(), newDatabasePassword());
      expect([await staging.spareCount(), await production.spareCount()]).toEqual([1, 0]);
    } finally {
      await staging.dropSpares();
      await production.dropSpares();
      expect([await staging.spareCount(), await production.spareCount()]).toEqual([0, 0]);
      await staging.close();
      await production.close();
    }
  });

  it('creates a database and a login role that owns it, and the URL works', async () => {
    const id = newTenant();
    const url = await databases.ensure(id, newDatabasePassword());
    expect(url).toMatch(
      new RegExp(`^postgres://tenant_${id}:[0-9a-f]{48}@127\\.0\\.0\\.1:5432/tenant_${id}$`),
    );
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE t (x int)');
    const [{ current_user: who }] = (await client.query('SELECT current_user')).rows;
    expect(who).toBe(`tenant_${id}`);
    await client.end();
    expect(await databases.exists(id)).toEqual({ database: true, role: true });
    expect(await databases.list()).toContain(id);
  });

  it('is idempotent: ensuring again with the same password keeps the data and the URL', async () => {
    const id = newTenant();
    const password = newDatabasePassword();
    const url = await databases.ensure(id, password);
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE TABLE kept (x int)');
    await client.end();
    await Promise.all([databases.ensure(id, password), databases.ensure(id, password)]);
    const again = new Client({ connectionString: url });
    await again.connect();
    expect((await again.query(`SELECT to_regclass('kept') IS NOT NULL AS kept`)).rows[0].kept).toBe(true);
    await again.end();
  });

  it("keeps tenants apart: one tenant's role cannot connect to another's database", async () => {
    const a = newTenant();
    const b = newTenant();
    const urlA = await databases.ensure(a, newDatabasePassword());
    await databases.ensure(b, newDatabasePassword());
    const crossing = new URL(urlA);
    crossing.pathname = `/tenant_${b}`;
    // Loopback is trusted on the test server, so the password is not what stops it: the grant is.
    expect(await canConnect(crossing.toString())).toBe(false);
    expect(await canConnect(urlA)).toBe(true);
  });

  it('drops database and role, and dropping again is fine', async () => {
    const id = newTenant();
    const url = await databases.ensure(id, newDatabasePassword());
    const open = new Client({ connectionString: url });
    open.on('error', () => undefined); // the drop terminates it
    await open.connect(); // an open connection does not block the drop
    await databases.drop(id);
    await open.end().catch(() => undefined);
    expect(await databases.exists(id)).toEqual({ database: false, role: false });
    await expect(databases.drop(id)).resolves.toBeUndefined();
  });

  it('refuses anything but an instance id and a hex password', async () => {
    await expect(databases.ensure('robert"; DROP TABLE x; --', newDatabasePassword())).rejects.toBeInstanceOf(
      PermanentStepError,
    );
    await expect(databases.ensure(newInstanceId(), "pw' OR '1")).rejects.toBeInstanceOf(PermanentStepError);
  });
});
