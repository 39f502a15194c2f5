import { Module } from '@nestjs/common';
import { SecretBox } from '@app/common';
import { PlatformConfig } from '@app/config';
import { InstanceLifecycle, InstanceLifecycleModule } from '@app/instances';
import { RUNTIME_DRIVER, RuntimeDriver, RuntimeModule } from '@app/runtime';
import { credentialsProviderFor } from './credentials/credentials-provider.factory';
import { JobOutcomes } from './pipeline/job-outcomes';
import { ProvisionInstance } from './pipeline/provision-instance';
import { TeardownInstance } from './pipeline/teardown-instance';
import { SpareDatabases } from './spare-databases';
import { TenantDatabases, spareScopeFor } from './tenant-databases';

/** The provisioning pipeline, teardown and their retry policy, built from configuration. */
@Module({
  imports: [InstanceLifecycleModule, RuntimeModule],
  providers: [
    {
      provide: TenantDatabases,
      inject: [PlatformConfig],
      useFactory: (config: PlatformConfig) =>
        new TenantDatabases(config.TENANT_DATABASE_ADMIN_URL!, {
          poolSize: config.TENANT_DATABASE_ADMIN_POOL_SIZE,
          spareScope: spareScopeFor(config.DATABASE_URL),
        }),
    },
    SpareDatabases,
    {
      provide: ProvisionInstance,
      inject: [PlatformConfig, InstanceLifecycle, SecretBox, TenantDatabases, RUNTIME_DRIVER, SpareDatabases],
      useFactory: (
        config: PlatformConfig,
        store: InstanceLifecycle,
        secrets: SecretBox,
        databases: TenantDatabases,
        runtime: RuntimeDriver,
        spares: SpareDatabases,
      ) =>
        new ProvisionInstance({
          store,
          secrets,
          databases,
          runtime,
          credentials: credentialsProviderFor(config),
          settings: config,
          onDatabaseUsed: () => spares.kick(),
        }),
    },
    {
      provide: TeardownInstance,
      inject: [InstanceLifecycle, TenantDatabases, RUNTIME_DRIVER],
      useFactory: (store: InstanceLifecycle, databases: TenantDatabases, runtime: RuntimeDriver) =>
        new TeardownInstance({ store, databases, runtime }),
    },
    {
      provide: JobOutcomes,
      inject: [InstanceLifecycle],
      useFactory: (l: InstanceLifecycle) => new JobOutcomes(l),
    },
  ],
  exports: [ProvisionInstance, TeardownInstance, JobOutcomes, InstanceLifecycleModule, RuntimeModule],
})
export class ProvisioningModule {}
