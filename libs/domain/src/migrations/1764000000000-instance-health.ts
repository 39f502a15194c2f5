import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The health watch's view of a ready instance (docs/instance-lifecycle.md): since when it has not
 * answered its health check (null: healthy), and how many times its health changed, which numbers
 * each instance.unhealthy / instance.recovered partner event (a job id and a webhook-id each).
 */
export class InstanceHealth1764000000000 implements MigrationInterface {
  name = 'InstanceHealth1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE instances ADD COLUMN unhealthy_since timestamptz, ADD COLUMN health_changes int NOT NULL DEFAULT 0`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE instances DROP COLUMN unhealthy_since, DROP COLUMN health_changes`);
  }
}
