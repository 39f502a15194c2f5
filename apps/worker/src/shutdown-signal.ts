import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/**
 * Aborted when the worker is asked to stop (SIGTERM). Running jobs stop at their next step
 * boundary (or out of a health wait) and go back to the queue without using up an attempt;
 * BullMQ's close() then waits for them.
 */
@Injectable()
export class ShutdownSignal implements BeforeApplicationShutdown {
  private readonly controller = new AbortController();
  private readonly logger = new Logger('Worker');

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  beforeApplicationShutdown(signal?: string): void {
    this.logger.log(`${signal ?? 'shutdown'} received: putting running jobs back and stopping`);
    this.controller.abort();
  }
}
