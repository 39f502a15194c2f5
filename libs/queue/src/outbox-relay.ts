import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { JobPublisher } from './job-publisher';

interface OutboxRow {
  id: string;
  queue: string;
  job_name: string;
  job_id: string;
  payload: Record<string, unknown>;
}

const BATCH = 200;
/** How long a kick waits for more commits before flushing. */
const KICK_COALESCE_MS = 2;
/** A publish that has not finished by then is treated as failed (Redis unreachable); a late success collapses by job id. */
const PUBLISH_TIMEOUT_MS = 5000;

async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Moves committed outbox rows into BullMQ, then deletes them. Runs in every API and worker
 * process: rows are claimed with FOR UPDATE SKIP LOCKED, and fixed job ids make a re-publish
 * after a crash collapse into the job already in Redis. Woken right after each commit (kick) and
 * by a timer, so a crash between commit and publish delays a job by one poll interval at most.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private failures = 0;
  private kicked = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: JobPublisher,
    private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Publish soon: called after a transaction that wrote outbox rows has committed. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else if (!this.kicked) {
      // Coalesce: under load, one flush hands over every job committed in the last few ms.
      this.kicked = true;
      this.schedule(KICK_COALESCE_MS);
    }
  }

  /** Publishes everything pending; returns how many jobs were handed over. */
  async flush(): Promise<number> {
    let total = 0;
    for (;;) {
      const moved = await this.publishBatch();
      total += moved;
      if (moved < BATCH) return total;
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    if (delayMs > KICK_COALESCE_MS) this.kicked = false;
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.kicked = false;
    this.running = this.flush().then(
      () => {
        this.failures = 0;
      },
      (error: unknown) => {
        this.failures += 1;
        this.logger.warn(
          { err: error, failures: this.failures },
          'outbox relay could not publish; will retry',
        );
      },
    );
    await this.running;
    this.running = undefined;
    const backoff = Math.min(this.config.OUTBOX_POLL_INTERVAL_MS * 2 ** this.failures, 30_000);
    if (this.again && this.failures === 0) {
      this.again = false;
      this.kicked = true;
      this.schedule(KICK_COALESCE_MS);
    } else {
      this.schedule(this.failures ? backoff : this.config.OUTBOX_POLL_INTERVAL_MS);
    }
  }

  private async publishBatch(): Promise<number> {
    let claimed: OutboxRow[] = [];
    try {
      return await this.dataSource.transaction(async (manager) => {
        // Claimed and deleted in one statement; a failed publish rolls the delete back.
        // (TypeORM answers a DELETE with [rows, count].)
        [claimed] = await manager.query<[OutboxRow[], number]>(
          `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id, queue, job_name, job_id, payload`,
          [BATCH],
        );
        if (claimed.length === 0) return 0;
        const jobs = claimed.map((r) => ({
          queue: r.queue,
          jobName: r.job_name,
          jobId: r.job_id,
          payload: r.payload,
        }));
        await withTimeout(this.publisher.publish(jobs), PUBLISH_TIMEOUT_MS, 'publishing to Redis');
        return claimed.length;
      });
    } catch (error) {
      if (claimed.length > 0) await this.recordFailure(claimed, error);
      throw error;
    }
  }

  private async recordFailure(rows: OutboxRow[], error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    await this.dataSource
      .query(`UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
        message.slice(0, 500),
      ])
      .catch((e: unknown) => this.logger.warn({ err: e }, 'could not record the outbox failure'));
  }
}
