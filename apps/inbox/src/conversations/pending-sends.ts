import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ConversationStore } from './conversation-store';
import { ConversationsService } from './conversations.service';

const SWEEP_MS = 60_000;
/** A send this old with no provider answer was cut off (its process died): another replica's too. */
const STALE_SECONDS = 300;
const BATCH = 100;

/**
 * Sends that reached the provider while their answer was never recorded (the instance was killed
 * in between) are sent again under their reference (ConversationsService.resendPending), so the
 * message gets its provider id and is never shown, or delivered, twice: at boot every such send,
 * then every minute those older than five minutes.
 */
@Injectable()
export class PendingSends implements OnApplicationShutdown {
  private readonly logger = new Logger('PendingSends');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: ConversationStore,
    private readonly conversations: ConversationsService,
  ) {}

  start(): void {
    const failed = (error: Error) =>
      this.logger.warn({ err: error }, 'pending sends: sweep failed; next time');
    // At boot nothing of this process is in flight yet: every unanswered send is a cut-off one.
    void this.sweep(Math.floor(Date.now() / 1000) + 1).catch(failed);
    this.timer = setInterval(
      () => void this.sweep(Math.floor(Date.now() / 1000) - STALE_SECONDS).catch(failed),
      SWEEP_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Sends again those recorded before `before` (POSIX seconds); the counts by outcome. */
  async sweep(before: number): Promise<Record<string, number>> {
    const counts: Record<string, number> = { sent: 0, dropped: 0, later: 0 };
    for (const pending of await this.store.pendingSends(before, BATCH))
      counts[await this.conversations.resendPending(pending)]++;
    if (counts.sent || counts.dropped || counts.later)
      this.logger.warn(counts, 'sends cut off by a restart: sent again under their Idempotency-Key');
    return counts;
  }
}
