import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets the worker makes for an instance and must hand to its runtime again on every redeploy:
 * the tenant database password and the instance's SECRET_KEY (both encrypted, wiped at teardown).
 * Plus an index for the worker's reconcile sweep over unfinished instances.
 */
export class InstanceRuntimeSecrets1763900000000 implements MigrationInterface {
  name = 'InstanceRuntimeSecrets1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE instances ADD COLUMN database_password_enc text, ADD COLUMN secret_key_enc text`,
    );
    await q.query(
      `CREATE INDEX instances_unfinished_idx ON instances (updated_at) WHERE status IN ('accepted','provisioning','starting','deleting')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS instances_unfinished_idx`);
    await q.query(`ALTER TABLE instances DROP COLUMN database_password_enc, DROP COLUMN secret_key_enc`);
  }
}
