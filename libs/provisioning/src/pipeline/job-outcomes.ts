import { Logger } from '@nestjs/common';
import { isPermanent } from '@app/common';
import { InstanceLifecycle } from '@app/instances';

export type LifecycleJob = 'instance.provision' | 'instance.teardown';

export interface FailedAttempt {
  job: LifecycleJob;
  instanceId: string;
  /** 1-based attempt number and how many the job has. */
  attempt: { number: number; of: number };
  error: unknown;
}

/**
 * The retry and give-up policy of lifecycle jobs, in one place. A permanent error or the last
 * attempt gives up: a provisioning job's instance becomes `failed` (with the partner's event), a
 * failed teardown stays `deleting` for the reconcile sweep to retry. Any other failure is recorded
 * as a `step.retry` event and the job is tried again.
 */
export class JobOutcomes {
  private readonly logger = new Logger('JobOutcomes');

  constructor(private readonly lifecycle: InstanceLifecycle) {}

  /** Records a failed attempt; answers whether the job should run again. */
  async attemptFailed({ job, instanceId, attempt, error }: FailedAttempt): Promise<'retry' | 'failed'> {
    const reason = (error as Error).message;
    if (isPermanent(error) || attempt.number >= attempt.of) {
      await this.giveUp(
        job,
        instanceId,
        isPermanent(error) ? reason : `${reason} (gave up after ${attempt.of} attempts)`,
      );
      return 'failed';
    }
    this.logger.warn({ instanceId, job, attempt: attempt.number }, `will retry: ${reason}`);
    await this.lifecycle.progress(instanceId, ['accepted', 'provisioning', 'starting', 'deleting'], {
      detail: `Retrying (attempt ${attempt.number} of ${attempt.of} failed): ${reason}`,
      event: { type: 'step.retry', message: reason, data: { attempt: attempt.number, job } },
    });
    return 'retry';
  }

  /** The job will not run again (its attempts are spent, or the queue gave up on it). */
  async giveUp(job: LifecycleJob, instanceId: string, reason: string): Promise<void> {
    this.logger.error({ instanceId, job }, `failed: ${reason}`);
    if (job === 'instance.teardown') {
      await this.lifecycle.progress(instanceId, ['deleting'], {
        detail: `Teardown failed, will be retried by the reconcile sweep: ${reason}`,
        event: { type: 'teardown.failed', message: reason },
      });
      return;
    }
    await this.lifecycle.fail(instanceId, reason);
  }
}
