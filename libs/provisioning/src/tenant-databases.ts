/**
 * Each instance's own PostgreSQL database and login role (DESIGN.md, step "database"), on the
 * server of TENANT_DATABASE_ADMIN_URL. Every operation is idempotent, so a retried or resumed
 * step converges: the caller stores the password (encrypted) before calling `ensure`, and a
 * retry passes the same one.
 */
import { guardPoolClients } from '@app/common/database/pool-client-guard';
import { Pool, PoolClient } from 'pg';
import { randomHex, sha256Hex } from '@app/common/crypto/hashing';
import { withCheckedOutClient } from '@app/common/database/checked-out-client';
import { PermanentStepError } from '@app/common/errors/step-errors';

const INSTANCE_ID = /^[0-9a-f]{32}$/;
const SPARE_SCOPE = /^[a-z0-9]{1,16}$/;

/**
 * Spares belong to one control plane: two sharing a database server (staging and production, two
 * developers, a test run beside a running platform) must not claim each other's. The default
 * scope is derived from the control plane's own database (its name on its server).
 */
export function spareScopeFor(controlPlaneDatabaseUrl: string): string {
  const url = new URL(controlPlaneDatabaseUrl);
  return sha256Hex(`${url.hostname}:${url.port}${url.pathname}`).slice(0, 8);
}

export const newDatabasePassword = (): string => randomHex(24);

export interface TenantDatabaseNames {
  database: string;
  role: string;
}

export class TenantDatabases {
  /** A few admin connections to the server's `postgres` database, reused: a connection costs a backend start. */
  private readonly pool: Pool;

  /**
   * `poolSize` connections at most; more callers wait in the pool's queue for up to
   * `queueTimeoutMs` (a delete storm slows down instead of failing with "timeout exceeded when
   * trying to connect" after 5 s, as it did with 211 deletes on 4 connections). pg uses the same
   * timeout for a connect, so a black-holed server fails after it too; a stopped one at once.
   */
  /** `tenant_spare_{scope}_`: this control plane's spares only. */
  private readonly sparePrefix: string;

  constructor(
    private readonly adminUrl: string,
    {
      poolSize = 4,
      queueTimeoutMs = 60_000,
      spareScope = 'shared',
    }: { poolSize?: number; queueTimeoutMs?: number; spareScope?: string } = {},
  ) {
    if (!SPARE_SCOPE.test(spareScope)) throw new Error(`spare scope must be 1-16 of [a-z0-9]: ${spareScope}`);
    this.sparePrefix = `tenant_spare_${spareScope}_`;
    const url = new URL(adminUrl);
    url.pathname = '/postgres';
    this.pool = new Pool({
      connectionString: url.toString(),
      max: poolSize,
      connectionTimeoutMillis: queueTimeoutMs,
      idleTimeoutMillis: 10_000,
      allowExitOnIdle: true,
    });
    guardPoolClients(this.pool); // a lost connection fails its query, never the process
  }

  names(instanceId: string): TenantDatabaseNames {
    // Identifiers are built only from a validated hex id, so they never need quoting tricks.
    if (!INSTANCE_ID.test(instanceId)) throw new PermanentStepError(`not an instance id: ${instanceId}`);
    return { database: `tenant_${instanceId}`, role: `tenant_${instanceId}` };
  }

  /**
   * Creates (or brings back in line) the role and database; returns the instance's DATABASE_URL.
   * With a spare to claim, everything is one transaction (one commit to sync); CREATE DATABASE
   * cannot run in one, so without a spare the database is created after it and then granted.
   */
  async ensure(instanceId: string, password: string): Promise<string> {
    if (!/^[0-9a-f]{16,128}$/.test(password)) throw new PermanentStepError('database password must be hex');
    const { database, role } = this.names(instanceId);
    const grant = async (admin: PoolClient) => {
      // Always, so a claimed spare (created by the admin) or a half-finished earlier run converges.
      await admin.query(`ALTER DATABASE ${database} OWNER TO ${role}`);
      // Only its own role (and the admin) may connect to a tenant's database.
      await admin.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
    };
    const hasDatabase = await this.inTransaction(async (admin) => {
      // Two workers on the same instance (a re-delivered job) take turns: role DDL does not like races.
      await admin.query('SELECT pg_advisory_xact_lock(hashtext($1))', [role]);
      const exists = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
      const verb = exists ? 'ALTER' : 'CREATE';
      await admin.query(
        `${verb} ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`,
      );
      const found =
        Boolean((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount) ||
        (await this.claimSpare(admin, database));
      if (found) await grant(admin);
      return found;
    });
    if (!hasDatabase) {
      await this.withAdmin(async (admin) => {
        try {
          await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
        } catch (error) {
          if ((error as { code?: string }).code !== '42P04') throw error; // created meanwhile: fine
        }
      });
      await this.inTransaction(grant);
    }
    return this.urlFor(instanceId, password);
  }

  /**
   * Spare databases: CREATE DATABASE costs ~0.2-0.4 s (it copies and syncs a template) and
   * PostgreSQL runs them one after another, so a burst of new instances queues behind it. Spares
   * are created ahead of time, empty and owned by the admin; claiming one is a rename plus an
   * owner change (milliseconds). Returns how many it created.
   */
  async refillSpares(target: number): Promise<number> {
    let created = 0;
    while ((await this.spareCount()) < target) {
      await this.withAdmin((admin) => admin.query(`CREATE DATABASE ${this.sparePrefix}${randomHex(8)}`));
      created++;
    }
    return created;
  }

  spareCount(): Promise<number> {
    return this.withAdmin(
      async (admin) =>
        (await admin.query('SELECT 1 FROM pg_database WHERE starts_with(datname, $1)', [this.sparePrefix]))
          .rowCount ?? 0,
    );
  }

  /** Drops this control plane's spares (tests, or an operator shrinking the pool). */
  async dropSpares(): Promise<void> {
    const spares = await this.withAdmin(
      async (admin) =>
        (
          await admin.query<{ datname: string }>(
            'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
            [this.sparePrefix],
          )
        ).rows,
    );
    for (const { datname } of spares) {
      const quoted = `"${datname.replace(/"/g, '""')}"`;
      await this.withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`));
    }
  }

  /** Renames a spare to `database` (inside the caller's transaction); false when none is left. */
  private async claimSpare(admin: PoolClient, database: string): Promise<boolean> {
    for (let tries = 0; tries < 3; tries++) {
      const spare = (
        await admin.query<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY random() LIMIT 1',
          [this.sparePrefix],
        )
      ).rows[0]?.datname;
      if (!spare) return false;
      await admin.query('SAVEPOINT claim');
      try {
        await admin.query(`ALTER DATABASE ${spare} RENAME TO ${database}`);
        return true;
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code !== '3D000' && code !== '55006') throw error; // gone, or being claimed: try another
        await admin.query('ROLLBACK TO SAVEPOINT claim');
      }
    }
    return false;
  }

  /** The instance's DATABASE_URL (its own role and database on the admin URL's server). */
  urlFor(instanceId: string, password: string): string {
    const { database, role } = this.names(instanceId);
    const url = new URL(this.adminUrl);
    url.username = role;
    url.password = password;
    url.pathname = `/${database}`;
    return url.toString();
  }

  /** Drops the database (closing its connections) and the role. Nothing to drop is fine. */
  async drop(instanceId: string): Promise<void> {
    const { database, role } = this.names(instanceId);
    await this.withAdmin(async (admin) => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    });
  }

  async exists(instanceId: string): Promise<{ database: boolean; role: boolean }> {
    const { database, role } = this.names(instanceId);
    return this.withAdmin(async (admin) => ({
      database: Boolean(
        (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount,
      ),
      role: Boolean((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount),
    }));
  }

  /** Names of every tenant database on the server (for the orphan sweep). */
  async list(): Promise<string[]> {
    return this.withAdmin(async (admin) =>
      (
        await admin.query<{ datname: string }>(
          `SELECT datname FROM pg_database WHERE datname ~ '^tenant_[0-9a-f]{32}$' ORDER BY 1`,
        )
      ).rows.map((r) => r.datname.slice('tenant_'.length)),
    );
  }

  /** A connection that failed mid-work is not reused; one the server dropped does not crash us. */
  private withAdmin<T>(work: (admin: PoolClient) => Promise<T>): Promise<T> {
    return withCheckedOutClient(this.pool, work, { destroyOnError: true });
  }

  private inTransaction<T>(work: (admin: PoolClient) => Promise<T>): Promise<T> {
    return this.withAdmin(async (admin) => {
      await admin.query('BEGIN');
      const result = await work(admin);
      await admin.query('COMMIT');
      return result;
    });
  }

  /** Closes the admin connections (they also close themselves when idle). */
  close(): Promise<void> {
    return this.pool.end();
  }
}
