/**
 * Each instance's own PostgreSQL database and login role (DESIGN.md, step "database"), on the
 * server of TENANT_DATABASE_ADMIN_URL. Every operation is idempotent, so a retried or resumed
 * step converges: the caller stores the password (encrypted) before calling `ensure`, and a
 * retry passes the same one.
 */
import { Client } from 'pg';
import { randomHex } from '@app/common/crypto/hashing';
import { PermanentStepError } from './step-errors';

const INSTANCE_ID = /^[0-9a-f]{32}$/;

export const newDatabasePassword = (): string => randomHex(24);

export interface TenantDatabaseNames {
  database: string;
  role: string;
}

export class TenantDatabases {
  constructor(private readonly adminUrl: string) {}

  names(instanceId: string): TenantDatabaseNames {
    // Identifiers are built only from a validated hex id, so they never need quoting tricks.
    if (!INSTANCE_ID.test(instanceId)) throw new PermanentStepError(`not an instance id: ${instanceId}`);
    return { database: `tenant_${instanceId}`, role: `tenant_${instanceId}` };
  }

  /** Creates (or brings back in line) the role and database; returns the instance's DATABASE_URL. */
  async ensure(instanceId: string, password: string): Promise<string> {
    if (!/^[0-9a-f]{16,128}$/.test(password)) throw new PermanentStepError('database password must be hex');
    const { database, role } = this.names(instanceId);
    await this.withAdmin(async (admin) => {
      // Two workers on the same instance (a re-delivered job) take turns: role DDL does not like races.
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [role]);
      const exists = (await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount;
      const verb = exists ? 'ALTER' : 'CREATE';
      await admin.query(
        `${verb} ROLE ${role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '${password}'`,
      );
      const hasDatabase = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]))
        .rowCount;
      if (!hasDatabase) await admin.query(`CREATE DATABASE ${database} OWNER ${role}`);
      // Only its own role (and the admin) may connect to a tenant's database.
      await admin.query(`REVOKE ALL ON DATABASE ${database} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${role}`);
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [role]);
    });
    return this.urlFor(instanceId, password);
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

  private async withAdmin<T>(work: (admin: Client) => Promise<T>): Promise<T> {
    const url = new URL(this.adminUrl);
    url.pathname = '/postgres';
    const admin = new Client({ connectionString: url.toString(), connectionTimeoutMillis: 5000 });
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.end();
    }
  }
}
