import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import IORedis from 'ioredis';
import { ConfigModule, PlatformConfig } from '@app/config';
import { CryptoModule } from '@app/common';
import { DatabaseModule } from '@app/domain';
import { DeliveryModule } from '@app/delivery';
import { ProvisioningModule } from '@app/provisioning';
import { QUEUES, QueueModule } from '@app/queue';
import { WorkerHealthServer } from './health.server';
import { HealthWatch } from './health-watch';
import { LocalRevival } from './local-revival';
import { NamespaceReconciler } from './namespace-reconciler';
import { DeliveryProcessor } from './processors/delivery.processor';
import { ProvisioningProcessor } from './processors/provisioning.processor';
import { ReconcileSweep } from './reconcile.sweep';
import { RuntimeLifecycle } from './runtime-lifecycle';
import { ShutdownSignal } from './shutdown-signal';
import { ProcessorRegistration } from './worker-options';
import { WorkerMetrics } from './worker-metrics';

/** Worker application context: BullMQ processors, the outbox relay, the reconcile sweeps. */
@Module({
  imports: [
    ConfigModule,
    DatabaseModule,
    CryptoModule,
    QueueModule,
    ProvisioningModule,
    DeliveryModule,
    BullModule.forRootAsync({
      inject: [PlatformConfig],
      // Workers block on Redis: they need a connection that retries forever (maxRetriesPerRequest null).
      useFactory: (config: PlatformConfig) => ({
        connection: new IORedis(config.REDIS_URL, { maxRetriesPerRequest: null }),
      }),
      // ProcessorRegistration starts the processors once their options are known.
      extraOptions: { manualRegistration: true },
    }),
    BullModule.registerQueue(...Object.values(QUEUES).map((name) => ({ name }))),
  ],
  providers: [
    ShutdownSignal,
    WorkerMetrics,
    RuntimeLifecycle,
    ProvisioningProcessor,
    DeliveryProcessor,
    ProcessorRegistration,
    ReconcileSweep,
    NamespaceReconciler,
    LocalRevival,
    HealthWatch,
    WorkerHealthServer,
  ],
})
export class WorkerModule {}
