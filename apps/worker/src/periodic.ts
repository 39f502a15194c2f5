import { Logger } from '@nestjs/common';

/**
 * Work repeated every `intervalMs` in the background, never two rounds at once (a slow round
 * skips the ticks it overlaps); a failed round is logged and the next tick tries again. `stop()`
 * waits for a round in progress, so shutdown never cuts one in half.
 */
export class Periodic {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  start(intervalMs: number, round: () => Promise<unknown>): void {
    this.timer = setInterval(() => {
      this.running ??= round()
        .then(() => undefined)
        .catch((error: Error) => this.logger.warn({ err: error }, `${this.what} failed; next time`))
        .finally(() => (this.running = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
