import { Injectable, OnModuleInit, Type } from '@nestjs/common';
import { BullRegistrar, Processor } from '@nestjs/bullmq';
import type { WorkerOptions } from 'bullmq';
import { PlatformConfig } from '@app/config';
import { QueueName, deliveryBackoff, parseSchedule } from '@app/queue';
import { DeliveryProcessor } from './processors/delivery.processor';
import { ProvisioningProcessor } from './processors/provisioning.processor';

/** BullMQ worker options of one queue, from configuration. */
export function workerOptions(config: PlatformConfig, queue: QueueName): Omit<WorkerOptions, 'connection'> {
  return {
    concurrency: queue === 'provisioning' ? config.PROVISIONING_CONCURRENCY : config.DELIVERY_CONCURRENCY,
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

const PROCESSORS: [Type<unknown>, QueueName][] = [
  [ProvisioningProcessor, 'provisioning'],
  [DeliveryProcessor, 'delivery'],
];

/**
 * Starts the processors with options from the injected configuration. @nestjs/bullmq reads worker
 * options from @Processor metadata, which is fixed when the class is defined; with manual
 * registration (worker.module.ts) we re-apply @Processor with the configured options here, once
 * the configuration exists, and only then let @nestjs/bullmq create the workers.
 */
@Injectable()
export class ProcessorRegistration implements OnModuleInit {
  constructor(
    private readonly config: PlatformConfig,
    private readonly registrar: BullRegistrar,
  ) {}

  onModuleInit(): void {
    for (const [processor, queue] of PROCESSORS)
      Processor(queue, workerOptions(this.config, queue))(processor);
    this.registrar.register();
  }
}
