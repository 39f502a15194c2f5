/**
 * The job catalogue: every queue, every job name and its payload type, and the retry policy,
 * in one place. Jobs carry ids only; the worker loads the current state from PostgreSQL.
 *
 * DO NOT RENAME a queue or a job name that has shipped: jobs already in Redis would be stranded.
 */
import type { BackoffStrategy, JobsOptions } from 'bullmq';

export const QUEUES = {
  /** Slow lifecycle work: provision and tear down instances. */
  provisioning: 'provisioning',
  /** Getting things to people: the configurator webhook, the activation e-mail, partner events. */
  delivery: 'delivery',
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export type PartnerEventType =
  'instance.ready' | 'instance.failed' | 'instance.deleted' | 'instance.unhealthy' | 'instance.recovered';
/** Events that can happen more than once to an instance carry their occurrence (health_changes). */
export const REPEATING_EVENTS: PartnerEventType[] = ['instance.unhealthy', 'instance.recovered'];

export interface JobCatalogue {
  'instance.provision': { instanceId: string };
  'instance.teardown': { instanceId: string };
  'instance.configurator_webhook': { instanceId: string };
  'instance.activation_email': { instanceId: string };
  'partner.event': { instanceId: string; type: PartnerEventType; occurrence?: number };
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

/** Provisioning steps: 12 attempts, 2 s doubling (≈ 68 min in all) for provider and database hiccups. */
const LIFECYCLE: JobsOptions = { attempts: 12, backoff: { type: 'exponential', delay: 2000 }, ...RETENTION };

/** Deliveries follow Svix's schedule (DELIVERY_RETRY_SCHEDULE_MS): 8 attempts, see deliveryBackoff. */
export const DELIVERY_ATTEMPTS = 8;
const DELIVERY: JobsOptions = { attempts: DELIVERY_ATTEMPTS, backoff: { type: 'delivery' }, ...RETENTION };

export const JOBS: { [N in JobName]: JobDefinition<N> } = {
  'instance.provision': {
    queue: QUEUES.provisioning,
    jobId: ({ instanceId }) => `provision-${instanceId}`,
    options: LIFECYCLE,
  },
  'instance.teardown': {
    queue: QUEUES.provisioning,
    jobId: ({ instanceId }) => `teardown-${instanceId}`,
    options: LIFECYCLE,
  },
  'instance.configurator_webhook': {
    queue: QUEUES.delivery,
    jobId: ({ instanceId }) => `webhook-${instanceId}`,
    options: DELIVERY,
  },
  'instance.activation_email': {
    queue: QUEUES.delivery,
    jobId: ({ instanceId }) => `email-${instanceId}`,
    options: DELIVERY,
  },
  'partner.event': {
    queue: QUEUES.delivery,
    jobId: ({ instanceId, type, occurrence }) =>
      `event-${instanceId}-${type}${occurrence === undefined ? '' : `-${occurrence}`}`,
    options: DELIVERY,
  },
};

export const jobNames = (): JobName[] => Object.keys(JOBS) as JobName[];
export const jobNamesOf = (queue: QueueName): JobName[] => jobNames().filter((n) => JOBS[n].queue === queue);

/** "0,5000,..." → delays in ms before attempt 1, 2, ... (the first is normally 0: at once). */
export const parseSchedule = (schedule: string): number[] => schedule.split(',').map(Number);

/**
 * The worker's custom backoff: after failed attempt n, wait schedule[n] (Svix: 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h). Other backoff types fall through to BullMQ's built-ins.
 */
export function deliveryBackoff(schedule: number[]): BackoffStrategy {
  return (attemptsMade, type) =>
    type === 'delivery' ? (schedule[attemptsMade] ?? schedule[schedule.length - 1]) : 0;
}

/** One job to record: its name and its payload, typed together. */
export type JobRequest<N extends JobName = JobName> = { [K in N]: { name: K; payload: JobCatalogue[K] } }[N];
