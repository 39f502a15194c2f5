/**
 * Posts webhooks to instances the way a provider does: JSON, retried with backoff on any answer
 * but 2xx. `*.localhost` names (the local gateway's instance URLs) are connected to 127.0.0.1,
 * since Node does not resolve them; the Host header keeps the name for the gateway's routing.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

const localhostLookup: LookupFunction = (hostname, options, callback) => {
  const all = typeof options === 'object' && options?.all;
  if (all)
    (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [
      { address: '127.0.0.1', family: 4 },
    ]);
  else callback(null, '127.0.0.1', 4);
};

export function postJson(url: string, body: unknown, timeoutMs = 5000): Promise<number> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': payload.length },
        timeout: timeoutMs,
        lookup: target.hostname.endsWith('.localhost') ? localhostLookup : undefined,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
    req.end(payload);
  });
}

/**
 * How long a webhook is retried, like WhatsApp's Cloud API (which retries a failed webhook for up
 * to 7 days with decreasing frequency): at once, then 0.5 s, 1 s, 2 s … doubling up to
 * `maxDelayMs` between attempts, until `retryForMs` after the first one. An instance that is down
 * for minutes or hours loses nothing. Tests shorten both (`WABA_SANDBOX_RETRY_MAX_DELAY_MS`,
 * `WABA_SANDBOX_RETRY_FOR_MS`).
 */
export interface RetrySchedule {
  maxDelayMs: number;
  retryForMs: number;
}

export const PROVIDER_RETRY: RetrySchedule = { maxDelayMs: 3_600_000, retryForMs: 7 * 24 * 3_600_000 };

/** The schedule from the environment, the provider's by default. */
export function retryScheduleFrom(env: NodeJS.ProcessEnv): RetrySchedule {
  const number = (value: string | undefined, fallback: number) =>
    value !== undefined && /^\d{1,12}$/.test(value) ? Number(value) : fallback;
  return {
    maxDelayMs: number(env.WABA_SANDBOX_RETRY_MAX_DELAY_MS, PROVIDER_RETRY.maxDelayMs),
    retryForMs: number(env.WABA_SANDBOX_RETRY_FOR_MS, PROVIDER_RETRY.retryForMs),
  };
}

/** The pause before attempt `n` (1 is the first retry). */
export const retryDelay = (n: number, schedule: RetrySchedule): number =>
  Math.min(500 * 2 ** Math.min(n - 1, 30), schedule.maxDelayMs);

export class WebhookSender {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly schedule: RetrySchedule = PROVIDER_RETRY) {}

  /** Sends in order per URL (a status never overtakes its message), retrying each until 2xx. */
  send(url: string, body: unknown): Promise<void> {
    const previous = this.queues.get(url) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(url, body));
    this.queues.set(url, next);
    return next;
  }

  private async deliver(url: string, body: unknown): Promise<void> {
    const giveUpAt = Date.now() + this.schedule.retryForMs;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        const delay = retryDelay(attempt, this.schedule);
        if (Date.now() + delay > giveUpAt) return;
        // Unref'd: pending retries never keep the process alive on their own.
        await new Promise((r) => setTimeout(r, delay).unref());
      }
      const status = await postJson(url, body);
      if (status >= 200 && status < 300) return;
    }
  }
}
