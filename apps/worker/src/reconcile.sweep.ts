import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PlatformConfig } from '@app/config';
import { InstanceLifecycle } from '@app/instances';
import { JobOutcomes } from '@app/provisioning';
import { JobPublisher } from '@app/queue';
import { Periodic } from './periodic';

/**
 * The safety net behind the outbox: every RECONCILE_INTERVAL_MS, work that should be queued but
 * has not moved for a whole interval is looked up in Redis and re-added when Redis lost it (a
 * restart without persistence, a flush). Fixed job ids make this a no-op for jobs that exist.
 * A provisioning job BullMQ has given up on marks its instance failed; a failed teardown is retried.
 */
@Injectable()
export class ReconcileSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconcile');
  private readonly periodic = new Periodic(this.logger, 'reconcile sweep');

  constructor(
    private readonly lifecycle: InstanceLifecycle,
    private readonly publisher: JobPublisher,
    private readonly outcomes: JobOutcomes,
    private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic.start(this.config.RECONCILE_INTERVAL_MS, () => this.sweep());
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /** One pass; returns how many jobs it re-added. */
  async sweep(): Promise<number> {
    const stalled = await this.lifecycle.stalledWork(this.config.RECONCILE_INTERVAL_MS);
    let readded = 0;
    for (const request of stalled) {
      const { instanceId } = request.payload;
      const job = await this.publisher.find(request);
      const state = job ? await job.getState() : 'missing';
      if (state === 'missing' || state === 'unknown') {
        await this.publisher.publishRequest(request);
        this.logger.warn({ instanceId, job: request.name }, 'job was missing from Redis: re-added');
        readded++;
      } else if (state === 'failed' && request.name === 'instance.teardown') {
        await job!.retry();
        readded++;
      } else if (state === 'failed' && request.name === 'instance.provision') {
        // The same path to `failed` as the processor's give-up: the partner hears of it too.
        await this.outcomes.giveUp(request.name, instanceId, job!.failedReason || 'provisioning job failed');
      }
    }
    return readded;
  }
}
