import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

const HOUR_MS = 3600_000;

/** Deletes idempotency records past their 24 hours, hourly. */
@Injectable()
export class IdempotencyPurgeService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyPurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(private readonly idempotency: IdempotencyService) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), HOUR_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<void> {
    try {
      const removed = await this.idempotency.purgeExpired();
      if (removed > 0) this.logger.log({ removed }, 'expired idempotency records purged');
    } catch (error) {
      this.logger.warn({ err: error }, 'could not purge idempotency records');
    }
  }
}
