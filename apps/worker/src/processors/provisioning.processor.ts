import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { PlatformConfig } from '@app/config';
import {
  InstanceMovedOn,
  InstanceStore,
  ProvisionInstance,
  ShutdownAbort,
  TeardownInstance,
  isPermanent,
  withInstanceLock,
} from '@app/provisioning';
import { JobCatalogue, QUEUES, jobNamesOf } from '@app/queue';
import { ShutdownSignal } from '../shutdown-signal';
import { workerOptions } from '../worker-options';
import { WorkerMetrics } from '../worker-metrics';
import { attemptOf, putBack } from './job-outcome';
import { assertHandlersCover } from './handlers';

type ProvisioningJob = 'instance.provision' | 'instance.teardown';
type Payload = JobCatalogue[ProvisioningJob];

/** Runs provisioning and teardown, one job per instance at a time (advisory lock). */
@Processor(QUEUES.provisioning, workerOptions('provisioning'))
export class ProvisioningProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('ProvisioningProcessor');
  private readonly handlers: Record<ProvisioningJob, (instanceId: string) => Promise<void>>;

  constructor(
    private readonly config: PlatformConfig,
    private readonly store: InstanceStore,
    provision: ProvisionInstance,
    teardown: TeardownInstance,
    private readonly shutdown: ShutdownSignal,
    private readonly metrics: WorkerMetrics,
  ) {
    super();
    this.handlers = {
      'instance.provision': (id) => provision.run(id, shutdown.signal),
      'instance.teardown': (id) => teardown.run(id),
    };
  }

  onApplicationBootstrap(): void {
    assertHandlersCover(QUEUES.provisioning, jobNamesOf(QUEUES.provisioning), this.handlers);
  }

  async process(job: Job<Payload>, token?: string): Promise<void> {
    const handler = this.handlers[job.name as ProvisioningJob];
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const { instanceId } = job.data;
    const stop = this.metrics.jobStarted(QUEUES.provisioning, job.name);
    try {
      await withInstanceLock(this.config.DATABASE_URL, instanceId, () => handler(instanceId));
      stop('done');
    } catch (error) {
      if (error instanceof InstanceMovedOn) {
        this.logger.log({ instanceId, job: job.name }, `stopped: ${error.message}`);
        return stop('superseded');
      }
      if (error instanceof ShutdownAbort) {
        stop('put_back');
        return putBack(job, token, error);
      }
      const attempt = attemptOf(job);
      const reason = (error as Error).message;
      if (isPermanent(error) || attempt.number >= attempt.of) {
        stop('failed');
        return this.giveUp(
          job,
          isPermanent(error) ? reason : `${reason} (gave up after ${attempt.of} attempts)`,
        );
      }
      stop('retry');
      this.logger.warn({ instanceId, job: job.name, attempt: attempt.number }, `will retry: ${reason}`);
      await this.store.progress(instanceId, ['accepted', 'provisioning', 'starting', 'deleting'], {
        detail: `Retrying (attempt ${attempt.number} of ${attempt.of} failed): ${reason}`,
        event: { type: 'step.retry', message: reason, data: { attempt: attempt.number, job: job.name } },
      });
      throw error;
    }
  }

  /** BullMQ failed the job without our catch (lost to crashed workers too often, or our write failed). */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<Payload> | undefined, error: Error): Promise<void> {
    if (!job || (job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled/i.test(error.message))) return;
    await this.giveUp(job, error.message).catch((e: Error) =>
      this.logger.error({ instanceId: job.data.instanceId, err: e }, 'could not record the failure'),
    );
  }

  private async giveUp(job: Job<Payload>, reason: string): Promise<void> {
    const { instanceId } = job.data;
    this.logger.error({ instanceId, job: job.name }, `failed: ${reason}`);
    if (job.name === 'instance.teardown') {
      await this.store.progress(instanceId, ['deleting'], {
        detail: `Teardown failed, will be retried by the reconcile sweep: ${reason}`,
        event: { type: 'teardown.failed', message: reason },
      });
      return;
    }
    await this.store.fail(instanceId, reason);
  }
}
