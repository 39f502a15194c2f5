/**
 * The relay's engine (docs/relay.md). Deliveries are rows; pg-boss (a PostgreSQL-backed queue: an
 * instance has no Redis) carries the wake-ups: "drain webhook N now" (policy `short`: one waiting
 * per webhook, however often it is asked) and "drain webhook N at T" for a lane's retry. A drain
 * holds an advisory lock on the webhook, so one process at a time delivers a webhook's lanes in
 * order across replicas; it sends each lane's rows oldest first (lanes side by side), stops a lane
 * at its first failure until the retry schedule says, and loops until nothing is due. What wakes
 * it: a NOTIFY from the transaction that wrote deliveries, a retry job, and a sweep at start and
 * every 30 s (after a crash, or a lost NOTIFY). The rule engine's outbox rides on the same
 * machinery as a pseudo-webhook (RULE_ENGINE).
 */
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { Client } from 'pg';
import { BootstrapEnv } from '@app/bootstrap';
import { ConversationStore } from '../conversations/conversation-store';
import { PgListener } from '../persistence/pg-listener';
import { WabaWebhook, WabaWebhooksStore } from '../waba-webhooks/waba-webhooks-store';
import { Delivery, RELAY_CHANNEL, RelayStore } from './relay-store';
import { PreparedDelivery, ReceivedMark, RelaySender } from './relay-sender';
import { RelayPoster } from './relay-poster';
import { RuleEngineDrain } from './rule-engine-drain';

const DRAIN = 'relay-drain';
const RETRY = 'relay-retry';
/** Drains running at once in one process (each holds one webhook). */
const WORKERS = 4;
const BATCH = 500;
/** A drain hands over after this long, so other webhooks get their turn. */
const DRAIN_SLICE_MS = 20_000;
const SWEEP_MS = 30_000;
/** Wake-ups within this long are one (a busy inbox NOTIFYs hundreds of times a second). */
const KICK_COALESCE_MS = 50;
/**
 * Drains of one webhook start at most this often, and a drain ends after a batch that was not
 * full: a busy inbox's rows gather into batches of a few hundred milliseconds instead of a few
 * rows each (a batch costs PostgreSQL about ten statements whatever its size).
 */
const MIN_DRAIN_INTERVAL_MS = 200;
/** The first key of the relay's advisory locks (the second is the webhook id). */
const LOCK_SPACE = 0x7e1a;
/** The rule engine's outbox is drained like a webhook with this id (no webhook has it). */
const RULE_ENGINE = 0;

type Job = { webhookId: number };

@Injectable()
export class RelayPump implements OnApplicationShutdown {
  private readonly logger = new Logger('RelayPump');
  private boss?: PgBoss;
  private workers: string[] = [];
  private listener?: PgListener;
  private lockClient?: Promise<Client>;
  private lockTurn: Promise<unknown> = Promise.resolve();
  private readonly draining = new Set<number>();
  private readonly lastDrainAt = new Map<number, number>();
  private readonly deferred = new Map<number, NodeJS.Timeout>();
  private kickTimer?: NodeJS.Timeout;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;
  private schedule: number[] = [];

  constructor(
    private readonly config: BootstrapEnv,
    private readonly store: RelayStore,
    private readonly webhooks: WabaWebhooksStore,
    private readonly conversations: ConversationStore,
    private readonly sender: RelaySender,
    private readonly poster: RelayPoster,
    private readonly rules: RuleEngineDrain,
  ) {}

  /**
   * Started by bindTenant (a warm process knows no database before). If the queue cannot start,
   * the instance still serves (deliveries wait in their table) and the start is tried again.
   */
  async start(): Promise<void> {
    try {
      await this.startQueue();
    } catch (error) {
      if (this.stopped) return;
      this.logger.warn(`the relay could not start: ${(error as Error).message}; retrying in 5 s`);
      await this.boss?.stop({ graceful: false, wait: false }).catch(() => undefined);
      this.boss = undefined;
      this.workers = [];
      setTimeout(() => void this.start(), 5000).unref();
    }
  }

  private async startQueue(): Promise<void> {
    this.schedule = this.config.RELAY_RETRY_SCHEDULE_MS.split(',').map(Number);
    const boss = new PgBoss({
      connectionString: this.config.DATABASE_URL,
      max: 2,
      schema: 'pgboss',
      schedule: false,
      application_name: 'inbox-relay',
    });
    boss.on('error', (error) => this.logger.warn(`queue: ${error.message}`));
    await boss.start();
    this.boss = boss;
    await boss.createQueue(DRAIN, { name: DRAIN, policy: 'short', retryLimit: 3, expireInSeconds: 60 });
    await boss.createQueue(RETRY, { name: RETRY, policy: 'short', retryLimit: 3, expireInSeconds: 60 });
    for (let i = 0; i < WORKERS; i++)
      this.workers.push(
        await boss.work<Job>(DRAIN, { pollingIntervalSeconds: 0.5 }, ([job]) =>
          this.drain(job.data.webhookId),
        ),
      );
    await boss.work<Job>(RETRY, { pollingIntervalSeconds: 0.5 }, ([job]) => this.request(job.data.webhookId));
    this.listener = new PgListener(
      this.config.DATABASE_URL,
      RELAY_CHANNEL,
      () => this.kick(),
      () => this.kick(),
    );
    await this.listener.start();
    this.sweepTimer = setInterval(() => void this.sweep(true), SWEEP_MS).unref();
    void this.sweep(true);
  }

  /** Something was written: soon (coalesced), ask for a drain of every webhook with work. */
  kick(): void {
    if (this.kickTimer || this.stopped) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      void this.sweep(false);
    }, KICK_COALESCE_MS);
  }

  /** Drains for every webhook with work that is not being drained here; now and then, the pruning. */
  private async sweep(prune: boolean): Promise<void> {
    try {
      const engine = (await this.rules.hasWork()) ? [RULE_ENGINE] : [];
      let requested = false;
      for (const id of [...engine, ...(await this.store.webhooksWithWork())])
        if (!this.draining.has(id)) requested = (await this.request(id, false)) || requested;
      if (requested) this.notifyWorkers();
      if (prune) await this.store.prune();
    } catch (error) {
      if (!this.stopped) this.logger.warn(`relay sweep failed: ${(error as Error).message}`);
    }
  }

  /** A drain of the webhook, now: at most one waits per webhook (policy `short`). */
  private async request(webhookId: number, notify = true): Promise<boolean> {
    if (!this.boss || this.stopped) return false;
    const wait = (this.lastDrainAt.get(webhookId) ?? 0) + MIN_DRAIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      if (!this.deferred.has(webhookId))
        this.deferred.set(
          webhookId,
          setTimeout(() => {
            this.deferred.delete(webhookId);
            this.request(webhookId).catch((error: Error) =>
              this.logger.warn(`relay wake-up failed: ${error.message}`),
            );
          }, wait),
        );
      return false;
    }
    const sent = (await this.boss.send(DRAIN, { webhookId }, { singletonKey: String(webhookId) })) !== null;
    if (sent && notify) this.notifyWorkers();
    return sent;
  }

  /** Idle workers fetch at once instead of at their next poll. */
  private notifyWorkers(): void {
    for (const worker of this.workers) this.boss?.notifyWorker(worker);
  }

  private async drain(webhookId: number): Promise<void> {
    if (this.draining.has(webhookId) || this.stopped) return; // a drain here will see what is new
    this.draining.add(webhookId);
    let locked = false;
    try {
      locked = await this.lock(webhookId);
      if (!locked) return; // another replica is draining it
      this.lastDrainAt.set(webhookId, Date.now());
      if (webhookId === RULE_ENGINE) {
        const done = await this.rules.drainDue(
          Date.now() + DRAIN_SLICE_MS,
          this.schedule,
          () => this.stopped,
        );
        if (!done) await this.request(webhookId); // the rest, after others
      } else {
        const webhook = await this.webhooks.find(webhookId);
        if (webhook) await this.deliverDue(webhook);
      }
    } finally {
      if (locked) await this.unlock(webhookId);
      this.draining.delete(webhookId);
    }
    if (locked) await this.afterDrain(webhookId);
  }

  /** What was written after the last look (its wake-up found the lock taken), and the next retry. */
  private async afterDrain(webhookId: number): Promise<void> {
    const engine = webhookId === RULE_ENGINE;
    const due = engine
      ? (await this.rules.due(1)).length > 0
      : (await this.store.due(webhookId, 1)).length > 0;
    if (due) return void (await this.request(webhookId));
    const retryAt = engine ? await this.rules.nextRetry() : await this.store.nextRetry(webhookId);
    if (retryAt && this.boss)
      await this.boss.send(
        RETRY,
        { webhookId },
        { singletonKey: `${webhookId}@${Math.ceil(retryAt.getTime() / 1000)}`, startAfter: retryAt },
      );
  }

  private async deliverDue(webhook: WabaWebhook): Promise<void> {
    const until = Date.now() + DRAIN_SLICE_MS;
    while (!this.stopped) {
      if (Date.now() > until) return void (await this.request(webhook.id)); // the rest, after others
      const due = await this.store.due(webhook.id, BATCH);
      if (!due.length) return;
      const prepared = await this.sender.prepare(webhook, due);
      const lanes = new Map<string, PreparedDelivery[]>();
      for (const p of prepared) {
        const lane = lanes.get(p.delivery.lane);
        if (lane) lane.push(p);
        else lanes.set(p.delivery.lane, [p]);
      }
      const byId = new Map(prepared.map((p) => [p.delivery.id, p]));
      const delivered: PreparedDelivery[] = [];
      for (const outcome of await this.poster.postLanes(webhook, [...lanes.values()])) {
        const done = byId.get(outcome.deliveryId)!;
        if (outcome.ok) delivered.push(done);
        else await this.failed(webhook, done.delivery, outcome.error, outcome.permanent);
      }
      const gone = due.filter((d) => !byId.has(d.id)); // nothing left to send
      await this.store.delivered(webhook.id, [...delivered.map((p) => p.delivery), ...gone]);
      await this.markReceived(
        webhook.userId,
        delivered.flatMap((p) => p.marks),
      );
      if (due.length < BATCH) return; // what came meanwhile waits for the next drain (MIN_DRAIN_INTERVAL_MS)
    }
  }

  private async failed(webhook: WabaWebhook, delivery: Delivery, error: string, permanent: boolean) {
    const next = this.schedule[delivery.attempts + 1];
    const retryAt = permanent || next === undefined ? null : new Date(Date.now() + next);
    this.logger.warn(
      `webhook ${webhook.id}: delivery ${delivery.id} attempt ${delivery.attempts + 1} failed (${error.slice(0, 200)}); ` +
        (retryAt ? `retrying at ${retryAt.toISOString()}` : 'given up'),
    );
    await this.store.failed(webhook.id, delivery, error.slice(0, 500), retryAt);
  }

  /** Seed 002: messages delivered by a webhook are received by its user. */
  private async markReceived(userId: number, marks: ReceivedMark[]): Promise<void> {
    await this.conversations.markReceivedMany(userId, marks);
  }

  private async lock(webhookId: number): Promise<boolean> {
    const client = await this.lockConnection();
    const { rows } = await this.onLockSession(() =>
      client.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock($1, $2) AS ok`, [LOCK_SPACE, webhookId]),
    );
    return rows[0].ok;
  }

  private async unlock(webhookId: number): Promise<void> {
    // A lost connection has released its locks already.
    const client = await this.lockClient?.catch(() => undefined);
    if (!client) return;
    await this.onLockSession(() =>
      client.query(`SELECT pg_advisory_unlock($1, $2)`, [LOCK_SPACE, webhookId]),
    ).catch(() => undefined);
  }

  /** One statement at a time on the lock session (a pg client runs one query at a time). */
  private onLockSession<T>(statement: () => Promise<T>): Promise<T> {
    const run = this.lockTurn.then(statement, statement);
    this.lockTurn = run.catch(() => undefined);
    return run;
  }

  /** The session that holds the drains' locks (a lost one releases them: drains then re-lock). */
  private lockConnection(): Promise<Client> {
    this.lockClient ??= (async () => {
      const client = new Client({
        connectionString: this.config.DATABASE_URL,
        connectionTimeoutMillis: 5000,
      });
      const forget = () => {
        this.lockClient = undefined;
        void client.end().catch(() => undefined);
      };
      client.on('error', forget);
      try {
        await client.connect();
      } catch (error) {
        forget();
        throw error;
      }
      return client;
    })();
    return this.lockClient;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.kickTimer);
    clearInterval(this.sweepTimer);
    for (const timer of this.deferred.values()) clearTimeout(timer);
    await this.listener?.stop();
    await this.boss?.stop({ graceful: true, timeout: 5000, wait: true }).catch(() => undefined);
    await (await this.lockClient?.catch(() => undefined))?.end().catch(() => undefined);
  }
}
