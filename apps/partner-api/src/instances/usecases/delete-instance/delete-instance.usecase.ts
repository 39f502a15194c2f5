import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { ApiError } from '@app/common';
import { Instance, InstanceEvent, countsAgainstQuota } from '@app/domain';
import { OutboxRelay, enqueueInTransaction } from '@app/queue';
import { InstanceResponse } from '../../dtos/instance.response';
import { presentInstance } from '../../instance.presenter';

/**
 * Marks the instance `deleting` and records its teardown job, once. Deleting an instance that is
 * already deleting or deleted changes nothing and answers the same way (idempotent).
 */
@Injectable()
export class DeleteInstanceUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: PlatformConfig,
    private readonly relay: OutboxRelay,
  ) {}

  async execute(partnerId: string, instanceId: string): Promise<InstanceResponse> {
    const { instance, enqueued } = await this.dataSource.transaction(async (manager) => {
      const found = await manager.findOne(Instance, {
        where: { id: instanceId, partnerId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!found) throw new ApiError(404, 'Not Found');
      if (found.status === 'deleting' || found.status === 'deleted')
        return { instance: found, enqueued: false };
      if (countsAgainstQuota(found.status)) {
        await manager.query(`UPDATE partners SET live_instances = live_instances - 1 WHERE id = $1`, [
          partnerId,
        ]);
      }
      const previous = found.status;
      found.status = 'deleting';
      found.statusDetail = 'Teardown requested';
      await manager.save(found);
      await manager.insert(InstanceEvent, {
        instanceId,
        type: 'status.deleting',
        message: `Teardown requested (was ${previous})`,
      });
      await enqueueInTransaction(manager, 'instance.teardown', { instanceId });
      return { instance: found, enqueued: true };
    });
    if (enqueued) this.relay.kick();
    return presentInstance(this.config, instance);
  }
}
