import type { WorkerOptions } from 'bullmq';
import { PlatformConfig, loadConfig } from '@app/config';
import { deliveryBackoff, parseSchedule } from '@app/queue';

let config: PlatformConfig | undefined;

/**
 * BullMQ worker options from configuration. @nestjs/bullmq takes them from the @Processor
 * decorator, which runs when the class is defined: main.ts validates the configuration first
 * and only then loads the module, so this reads an already-checked environment.
 */
export function workerOptions(kind: 'provisioning' | 'delivery'): Omit<WorkerOptions, 'connection'> {
  config ??= loadConfig();
  return {
    concurrency: kind === 'provisioning' ? config.PROVISIONING_CONCURRENCY : config.DELIVERY_CONCURRENCY,
    ...takeOverTimings(config.WORKER_LOCK_DURATION_MS),
    // A job taken over from dead workers this often is likely what kills them; the processors'
    // `failed` handler then marks its instance failed.
    maxStalledCount: 10,
    settings: { backoffStrategy: deliveryBackoff(parseSchedule(config.DELIVERY_RETRY_SCHEDULE_MS)) },
  };
}

/**
 * BullMQ timings that make a dead worker's job move on within `takeOverMs` (WORKER_LOCK_DURATION_MS,
 * the bound the README promises). The job's lock is renewed every lockDuration/2; once it has
 * expired, the next stall check (every stalledInterval, by any live worker) puts the job back. A
 * check started by the dead worker blocks the next one for up to one stalledInterval more. Worst
 * case lockDuration + 2 × stalledInterval = 0.9 × takeOverMs. (Lock and interval both equal to
 * the bound measured 60-115 s for a 30 s setting.)
 */
export function takeOverTimings(takeOverMs: number): { lockDuration: number; stalledInterval: number } {
  return { lockDuration: Math.round(takeOverMs / 2), stalledInterval: Math.round(takeOverMs / 5) };
}
