import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { InstanceStore } from '@app/provisioning';
import { JOBS, JobName, JobPublisher } from '@app/queue';

interface Pending {
  id: string;
  status: string;
  job: JobName;
}

/**
 * The safety net behind the outbox: every RECONCILE_INTERVAL_MS, work that should be queued but
 * has not moved for a whole interval is looked up in Redis and re-added when Redis lost it (a
 * restart without persistence, a flush). Fixed job ids make this a no-op for jobs that exist.
 * A provisioning job BullMQ has given up on marks its instance failed; a failed teardown is retried.
 */
@Injectable()
export class ReconcileSweep implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconcile');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: JobPublisher,
    private readonly store: InstanceStore,
    private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep()
        .then(() => undefined)
        .catch((error: Error) => this.logger.warn({ err: error }, 'reconcile sweep failed; next time'))
        .finally(() => (this.running = undefined));
    }, this.config.RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; returns how many jobs it re-added. */
  async sweep(): Promise<number> {
    const pending = await this.dataSource.query<Pending[]>(
      `SELECT id, status, CASE
           WHEN status = 'deleting' THEN 'instance.teardown'
           WHEN status IN ('accepted','provisioning','starting') THEN 'instance.provision'
           WHEN configurator_token_enc IS NOT NULL AND NOT checkpoint ? 'webhook' THEN 'instance.configurator_webhook'
           ELSE 'instance.activation_email' END AS job
         FROM instances
        WHERE updated_at < now() - make_interval(secs => $1::float / 1000)
          AND (status IN ('accepted','provisioning','starting','deleting')
               OR (status = 'ready' AND configurator_token_enc IS NOT NULL AND NOT checkpoint ? 'webhook')
               OR (status = 'ready' AND activation_code_enc IS NOT NULL AND admin_email IS NOT NULL
                   AND NOT checkpoint ? 'email'))
        LIMIT 500`,
      [this.config.RECONCILE_INTERVAL_MS],
    );
    let readded = 0;
    for (const { id, job: name } of pending) {
      const definition = JOBS[name];
      const jobId = definition.jobId({ instanceId: id } as never);
      const queue = this.publisher.queue(definition.queue);
      const existing = await queue.getJob(jobId);
      const state = existing ? await existing.getState() : 'missing';
      if (state === 'missing' || state === 'unknown') {
        await this.publisher.publish([
          { queue: definition.queue, jobName: name, jobId, payload: { instanceId: id } },
        ]);
        this.logger.warn({ instanceId: id, job: name }, 'job was missing from Redis: re-added');
        readded++;
      } else if (state === 'failed' && name === 'instance.teardown') {
        await existing!.retry();
        readded++;
      } else if (state === 'failed' && name === 'instance.provision') {
        // The same path to `failed` as the processor's give-up: the partner hears of it too.
        await this.store.fail(id, existing!.failedReason || 'provisioning job failed');
      }
    }
    return readded;
  }
}
