/** The Partner API: validates partner requests, records them, and leaves slow work to the worker. */
import { Module } from '@nestjs/common';
import { ConfigModule } from '@app/config';
import { CryptoModule } from '@app/common';
import { DatabaseModule } from '@app/domain';
import { QueueModule } from '@app/queue';
import { HealthController } from './health/health.controller';
import { IdempotencyPurgeService } from './idempotency/idempotency-purge.service';
import { InstancesModule } from './instances/instances.module';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { ApiKeyGuard } from './auth/api-key.guard';
import { PartnerIdController } from './partners/partner-id.controller';
import { PartnerSettingsController } from './partners/partner-settings.controller';

@Module({
  imports: [ConfigModule, CryptoModule, DatabaseModule, QueueModule, InstancesModule],
  controllers: [HealthController, PartnerIdController, PartnerSettingsController, MetricsController],
  providers: [ApiKeyGuard, MetricsService, IdempotencyPurgeService],
})
export class AppModule {}
