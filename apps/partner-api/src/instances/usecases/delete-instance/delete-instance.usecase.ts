import { Injectable } from '@nestjs/common';
import { PlatformConfig } from '@app/config';
import { ApiError } from '@app/common';
import { InstanceLifecycle } from '@app/instances';
import { InstanceResponse } from '../../dtos/instance.response';
import { presentInstance } from '../../instance.presenter';

/**
 * Has the lifecycle mark the instance `deleting` and record its teardown job, once. Deleting an
 * instance that is already deleting or deleted changes nothing and answers the same way (idempotent).
 */
@Injectable()
export class DeleteInstanceUseCase {
  constructor(
    private readonly lifecycle: InstanceLifecycle,
    private readonly config: PlatformConfig,
  ) {}

  async execute(partnerId: string, instanceId: string): Promise<InstanceResponse> {
    const outcome = await this.lifecycle.requestTeardown(partnerId, instanceId);
    if (!outcome) throw new ApiError(404, 'Not Found');
    return presentInstance(this.config, outcome.instance);
  }
}
