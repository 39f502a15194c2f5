/**
 * The main thread's side of the posting thread (posting-thread.ts): started on the first batch (an
 * instance without webhooks never pays for it), given one webhook's lanes at a time, stopped after
 * a while without work. If the thread dies, its batches fail like an unreachable receiver: each
 * lane's first delivery counts a failed attempt, and the lanes wait for their retry (docs/relay.md).
 */
import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { BootstrapEnv } from '@app/bootstrap';
import type { WabaWebhook } from '../waba-webhooks/waba-webhooks-store';
import {
  POSTING_THREAD_ROLE,
  PostLanesAnswer,
  DeliveryOutcome,
  PostingThreadSettings,
} from './posting-protocol';
import type { PreparedDelivery } from './relay-sender';

/**
 * The thread's young generation: large enough that a busy relay's short-lived objects die young
 * (with the main thread's 1 MB semi-space, garbage collection took 17 % of a busy relay's time).
 */
const YOUNG_GENERATION_MB = 24;
/** An idle thread is stopped, giving its memory back. */
const IDLE_MS = 120_000;

/** The thread from the TypeScript sources (tests that run the inbox in their own process). */
const FROM_SOURCE = `
  require('ts-node').register({ transpileOnly: true });
  require('tsconfig-paths/register');
  require(${JSON.stringify(resolve(__dirname, 'posting-thread.ts'))}).runPostingThread();
`;

interface Pending {
  done: (outcomes: DeliveryOutcome[]) => void;
  /** Each lane's first delivery: what fails if the thread dies (the lanes then wait for their retry). */
  heads: string[];
}

@Injectable()
export class RelayPoster implements OnApplicationShutdown {
  private readonly logger = new Logger('RelayPoster');
  private thread?: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextBatch = 1;
  private idleTimer?: NodeJS.Timeout;

  constructor(private readonly config: BootstrapEnv) {}

  /** Posts the lanes; a lane stops at its first failure that may pass (later ones are not listed). */
  postLanes(webhook: WabaWebhook, lanes: PreparedDelivery[][]): Promise<DeliveryOutcome[]> {
    const thread = this.running();
    const batch = this.nextBatch++;
    const prefix = `relay_${this.config.INSTANCE_ID.slice(0, 12)}_`;
    clearTimeout(this.idleTimer);
    return new Promise<DeliveryOutcome[]>((done) => {
      this.pending.set(batch, { done, heads: lanes.map((lane) => lane[0].delivery.id) });
      thread.postMessage({
        batch,
        receiver: { url: webhook.url, secret: webhook.secret, headers: webhook.headers },
        lanes: lanes.map((lane) =>
          lane.map((p) => ({ deliveryId: p.delivery.id, messageId: prefix + p.delivery.id, body: p.body })),
        ),
      });
    }).finally(() => {
      if (!this.pending.size) this.idleTimer = setTimeout(() => void this.stop(), IDLE_MS).unref();
    });
  }

  private running(): Worker {
    if (this.thread) return this.thread;
    const settings: PostingThreadSettings = {
      role: POSTING_THREAD_ROLE,
      allowPrivateNetworks: this.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
      timeoutMs: this.config.RELAY_TIMEOUT_MS,
      lanesAtOnce: this.config.RELAY_CONCURRENCY,
    };
    const options = {
      workerData: settings,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    };
    const thread = __filename.endsWith('.js')
      ? new Worker(__filename, options) // the built instance: its one file starts the thread (main.ts)
      : new Worker(FROM_SOURCE, { ...options, eval: true }); // tests run the sources
    thread.unref(); // never what keeps the process alive
    thread.on('message', (answer: PostLanesAnswer) => {
      const waiting = this.pending.get(answer.batch);
      this.pending.delete(answer.batch);
      waiting?.done(answer.outcomes);
    });
    thread.on('error', (error) => this.logger.error(`the relay's posting thread failed: ${error.message}`));
    thread.on('exit', () => {
      if (this.thread === thread) this.thread = undefined;
      for (const [batch, waiting] of this.pending) {
        this.pending.delete(batch);
        const error = "the relay's posting thread stopped";
        waiting.done(waiting.heads.map((deliveryId) => ({ deliveryId, ok: false, error, permanent: false })));
      }
    });
    this.thread = thread;
    return thread;
  }

  private async stop(): Promise<void> {
    const thread = this.thread;
    this.thread = undefined;
    await thread?.terminate();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.stop();
  }
}
