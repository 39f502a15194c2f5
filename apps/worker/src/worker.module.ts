import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import IORedis from 'ioredis';
import { DataSource } from 'typeorm';
import { ConfigModule, PlatformConfig } from '@app/config';
import { CryptoModule, SecretBox } from '@app/common';
import { DatabaseModule } from '@app/domain';
import { AddressGuard, Deliveries, createMailTransport } from '@app/delivery';
import {
  InstanceStore,
  LocalRuntime,
  ProvisionInstance,
  RuntimeDriver,
  TeardownInstance,
  TenantDatabases,
  spareScopeFor,
  credentialsProviderFor,
} from '@app/provisioning';
import { OutboxRelay, QUEUES, QueueModule } from '@app/queue';
import { WorkerHealthServer } from './health.server';
import { DeliveryProcessor } from './processors/delivery.processor';
import { ProvisioningProcessor } from './processors/provisioning.processor';
import { ReconcileSweep } from './reconcile.sweep';

import { ShutdownSignal } from './shutdown-signal';
import { SpareDatabases } from './spare-databases';
import { WorkerMetrics } from './worker-metrics';
import { NamespaceReconciler, kubernetesRuntime } from './kubernetes';

import { RUNTIME_DRIVER, RuntimeLifecycle } from './runtime-lifecycle';

/** The runtime named by RUNTIME_DRIVER. */
function runtimeFor(config: PlatformConfig): RuntimeDriver {
  if (config.RUNTIME_DRIVER === 'local')
    return new LocalRuntime(config.LOCAL_STATE_DIR, { warmInstances: config.LOCAL_WARM_INSTANCES });
  return kubernetesRuntime(config);
}

function requireSmtpUrl(config: PlatformConfig): string {
  if (!config.SMTP_URL) throw new Error('SMTP_URL is required by the worker unless RUNTIME_DRIVER=local');
  return config.SMTP_URL;
}

/** Worker application context: BullMQ processors, the outbox relay, the reconcile sweep. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    CryptoModule,
    QueueModule,
    BullModule.forRootAsync({
      inject: [PlatformConfig],
      // Workers block on Redis: they need a connection that retries forever (maxRetriesPerRequest null).
      useFactory: (config: PlatformConfig) => ({
        connection: new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null }),
      }),
    }),
    // Registering the queues also brings in @nestjs/bullmq's explorer, which starts the processors.
    BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
  ],
  providers: [
    ShutdownSignal,
    WorkerMetrics,
    { provide: RUNTIME_DRIVER, inject: [PlatformConfig], useFactory: runtimeFor },
    RuntimeLifecycle,
    {
      provide: InstanceStore,
      inject: [DataSource, OutboxRelay],
      useFactory: (dataSource: DataSource, relay: OutboxRelay) =>
        new InstanceStore(dataSource, () => relay.kick()),
    },
    {
      provide: TenantDatabases,
      inject: [PlatformConfig],
      useFactory: (config: PlatformConfig) =>
        new TenantDatabases(config.TENANT_DATABASE_ADMIN_URL!, {
          poolSize: config.TENANT_DATABASE_ADMIN_POOL_SIZE,
          spareScope: spareScopeFor(config.DATABASE_URL),
        }),
    },
    {
      provide: ProvisionInstance,
      inject: [PlatformConfig, InstanceStore, SecretBox, TenantDatabases, RUNTIME_DRIVER, SpareDatabases],
      useFactory: (
        config: PlatformConfig,
        store: InstanceStore,
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
      inject: [InstanceStore, TenantDatabases, RUNTIME_DRIVER],
      useFactory: (store: InstanceStore, databases: TenantDatabases, runtime: RuntimeDriver) =>
        new TeardownInstance({ store, databases, runtime }),
    },
    {
      provide: Deliveries,
      inject: [PlatformConfig, InstanceStore, SecretBox],
      useFactory: (config: PlatformConfig, store: InstanceStore, secrets: SecretBox) =>
        new Deliveries(
          store,
          secrets,
          new AddressGuard(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS),
          createMailTransport(requireSmtpUrl(config)),
          config,
        ),
    },
    ProvisioningProcessor,
    DeliveryProcessor,
    ReconcileSweep,
    SpareDatabases,
    WorkerHealthServer,
    {
      provide: NamespaceReconciler,
      inject: [PlatformConfig, DataSource, RUNTIME_DRIVER],
      useFactory: (config: PlatformConfig, dataSource: DataSource, runtime: RuntimeDriver) =>
        new NamespaceReconciler(config, dataSource, runtime),
    },
  ],
})
export class WorkerModule {}
