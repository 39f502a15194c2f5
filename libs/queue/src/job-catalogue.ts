/**
 * The job catalogue: every queue, every job name and its payload type, and the retry policy,
 * in one place. Jobs carry ids only; the worker loads the current state from PostgreSQL.
 *
 * DO NOT RENAME a queue or a job name that has shipped: jobs already in Redis would be stranded.
 */
import type { JobsOptions } from 'bullmq';

export const QUEUES = {
  /** Slow lifecycle work: provision and tear down instances. */
  provisioning: 'provisioning',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface JobCatalogue {
  'instance.provision': { instanceId: string };
  'instance.teardown': { instanceId: string };
}
export type JobName = keyof JobCatalogue;

interface JobDefinition<N extends JobName> {
  queue: QueueName;
  /** A fixed id per purpose, so the same request can never produce two jobs. */
  jobId: (payload: JobCatalogue[N]) => string;
  options: JobsOptions;
}

const DAY_SECONDS = 24 * 3600;
/** Finished jobs are kept a while: long enough that a late duplicate add still collapses by jobId. */
const RETENTION = {
  removeOnComplete: { age: 7 * DAY_SECONDS, count: 10_000 },
  removeOnFail: { age: 30 * DAY_SECONDS },
};

export const JOBS: { [N in JobName]: JobDefinition<N> } = {
  'instance.provision': {
    queue: QUEUES.provisioning,
    jobId: ({ instanceId }) => `provision-${instanceId}`,
    options: { attempts: 12, backoff: { type: 'exponential', delay: 2000 }, ...RETENTION },
  },
  'instance.teardown': {
    queue: QUEUES.provisioning,
    jobId: ({ instanceId }) => `teardown-${instanceId}`,
    options: { attempts: 12, backoff: { type: 'exponential', delay: 2000 }, ...RETENTION },
  },
};

export const jobNames = (): JobName[] => Object.keys(JOBS) as JobName[];
