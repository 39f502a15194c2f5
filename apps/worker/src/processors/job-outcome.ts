import { Job, DelayedError } from 'bullmq';
import { ShutdownAbort } from '@app/provisioning';

/** The attempt a job is on (1-based) and how many it has. */
export const attemptOf = (job: Job) => ({ number: job.attemptsMade + 1, of: job.opts.attempts ?? 1 });

/** Puts a job back (to run again at once, elsewhere) without spending an attempt. */
export async function putBack(job: Job, token: string | undefined, error: ShutdownAbort): Promise<never> {
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError(error.message);
}
