import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { dataSourceOptions } from './data-source-options';

/** A client on the server's `postgres` maintenance database, and the name of the database in the URL. */
async function maintenanceClient(databaseUrl: string): Promise<{ client: Client; name: string }> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  return { client, name };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Drops the database (closing its connections) and migrates a new one: tests and benchmarks only. */
export async function recreateDatabase(config: PlatformConfig): Promise<void> {
  const { client, name } = await maintenanceClient(config.DATABASE_URL);
  try {
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
  await runMigrations(config);
}

/** Creates the control-plane database when it does not exist yet (first start on a new server). */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const { client, name } = await maintenanceClient(databaseUrl);
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === '42P04') return false; // created concurrently
    throw error;
  } finally {
    await client.end();
  }
}

/** Runs pending migrations (each in its own transaction; TypeORM serialises runners with a lock table). */
export async function runMigrations(config: PlatformConfig): Promise<string[]> {
  await ensureDatabase(config.DATABASE_URL);
  const dataSource = new DataSource({ ...dataSourceOptions({ ...config, DB_POOL_SIZE: 2 }) });
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
