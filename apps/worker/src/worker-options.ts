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
    lockDuration: config.WORKER_LOCK_DURATION_MS,
    stalledInterval: config.WORKER_LOCK_DURATION_MS,
    // A job taken over from dead workers this often is likely what kills them; the processors'
    // `failed` handler then marks its instance failed.
    maxStalledCount: 10,
    settings: { backoffStrategy: deliveryBackoff(parseSchedule(config.DELIVERY_RETRY_SCHEDULE_MS)) },
  };
}
