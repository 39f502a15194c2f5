import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { PlatformConfig } from '@app/config';
import { InstanceMovedOn } from '@app/instances';
import {
  JobOutcomes,
  LifecycleJob,
  ProvisionInstance,
  ShutdownAbort,
  TeardownInstance,
  withInstanceLock,
} from '@app/provisioning';
import { JobCatalogue, QUEUES, jobNamesOf } from '@app/queue';
import { ShutdownSignal } from '../shutdown-signal';
import { WorkerMetrics } from '../worker-metrics';
import { attemptOf, putBack } from './job-outcome';
import { assertHandlersCover } from './handlers';

type Payload = JobCatalogue[LifecycleJob];

/**
 * Runs provisioning and teardown, one job per instance at a time (advisory lock). Carries ids to
 * the use cases; JobOutcomes decides between retrying and giving up. Options: worker-options.ts.
 */
@Processor(QUEUES.provisioning)
export class ProvisioningProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('ProvisioningProcessor');
  private readonly handlers: Record<LifecycleJob, (instanceId: string) => Promise<void>>;

  constructor(
    private readonly config: PlatformConfig,
    private readonly outcomes: JobOutcomes,
    provision: ProvisionInstance,
    teardown: TeardownInstance,
    shutdown: ShutdownSignal,
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
    const name = job.name as LifecycleJob;
    const handler = this.handlers[name];
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const { instanceId } = job.data;
    const stop = this.metrics.jobStarted(QUEUES.provisioning, name);
    try {
      await withInstanceLock(this.config.DATABASE_URL, instanceId, () => handler(instanceId));
      stop('done');
    } catch (error) {
      if (error instanceof InstanceMovedOn) {
        this.logger.log({ instanceId, job: name }, `stopped: ${error.message}`);
        return stop('superseded');
      }
      if (error instanceof ShutdownAbort) {
        stop('put_back');
        return putBack(job, token, error);
      }
      const outcome = await this.outcomes.attemptFailed({
        job: name,
        instanceId,
        attempt: attemptOf(job),
        error,
      });
      stop(outcome);
      if (outcome === 'retry') throw error;
    }
  }

  /** BullMQ failed the job without our catch (lost to crashed workers too often, or our write failed). */
  @OnWorkerEvent('failed')
  async onFailed(job: Job<Payload> | undefined, error: Error): Promise<void> {
    if (!job || (job.attemptsMade < (job.opts.attempts ?? 1) && !/stalled/i.test(error.message))) return;
    await this.outcomes
      .giveUp(job.name as LifecycleJob, job.data.instanceId, error.message)
      .catch((e: Error) =>
        this.logger.error({ instanceId: job.data.instanceId, err: e }, 'could not record the failure'),
      );
  }
}
