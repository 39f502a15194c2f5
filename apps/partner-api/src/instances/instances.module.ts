import { Module } from '@nestjs/common';
import { InstanceLifecycleModule } from '@app/instances';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { WebhookUrlPolicy } from '../http/webhook-url-policy';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { InstancesController } from './instances.controller';
import { CreateInstanceUseCase } from './usecases/create-instance/create-instance.usecase';
import { DeleteInstanceUseCase } from './usecases/delete-instance/delete-instance.usecase';
import { QueryInstancesUseCase } from './usecases/query-instances/query-instances.usecase';

@Module({
  imports: [InstanceLifecycleModule],
  controllers: [InstancesController],
  providers: [
    ApiKeyGuard,
    IdempotencyService,
    CreateInstanceUseCase,
    DeleteInstanceUseCase,
    QueryInstancesUseCase,
    WebhookUrlPolicy,
  ],
  exports: [IdempotencyService, WebhookUrlPolicy],
})
export class InstancesModule {}
