/**
 * Teardown (DESIGN.md, step 3): runtime objects, then database and role, then every secret, then
 * `deleted`. Each part is idempotent, so a retried or taken-over job simply runs it again.
 */
import { Logger } from '@nestjs/common';
import { crashPoint } from '@app/common';
import { RuntimeDriver } from '@app/runtime';
import { TenantDatabases } from '../tenant-databases';
import { InstanceLifecycle, partnerEventJob } from '@app/instances';

/** Every encrypted secret of an instance: none survives its deletion. */
const SECRET_COLUMNS = [
  'waba_api_key_enc',
  'configurator_token_enc',
  'configurator_webhook_headers_enc',
  'activation_code_enc',
  'database_password_enc',
  'secret_key_enc',
] as const;

export class TeardownInstance {
  private readonly logger = new Logger('Teardown');

  constructor(
    private readonly deps: { store: InstanceLifecycle; databases: TenantDatabases; runtime: RuntimeDriver },
  ) {}

  async run(instanceId: string): Promise<void> {
    const { store, databases, runtime } = this.deps;
    const instance = await store.find(instanceId);
    if (!instance || instance.status !== 'deleting') {
      this.logger.log({ instanceId, status: instance?.status ?? 'unknown' }, 'nothing to tear down');
      return;
    }
    await runtime.teardown(instanceId);
    crashPoint('teardown.runtime');
    await databases.drop(instanceId);
    crashPoint('teardown.database');
    const partner = await store.partner(instance.partnerId);
    await store.transition(instanceId, {
      from: ['deleting'],
      to: 'deleted',
      detail: 'Runtime, database, role and secrets removed',
      columns: Object.fromEntries(SECRET_COLUMNS.map((c) => [c, null])),
      jobs: partnerEventJob(partner, instanceId, 'instance.deleted'),
    });
    this.logger.log({ instanceId }, 'instance deleted');
  }
}
