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

/** Delivery attempts: at once, then after 0.5 s, 1 s, 2 s, … (8 in all), as providers retry. */
export const RETRY_DELAYS_MS = [0, 500, 1000, 2000, 4000, 8000, 16000, 32000];

export class WebhookSender {
  private readonly queues = new Map<string, Promise<void>>();

  constructor(private readonly delays = RETRY_DELAYS_MS) {}

  /** Sends in order per URL (a status never overtakes its message), retrying each until 2xx. */
  send(url: string, body: unknown): Promise<void> {
    const previous = this.queues.get(url) ?? Promise.resolve();
    const next = previous.then(() => this.deliver(url, body));
    this.queues.set(url, next);
    return next;
  }

  private async deliver(url: string, body: unknown): Promise<void> {
    for (const delay of this.delays) {
      // Unref'd: pending retries never keep the process alive on their own.
      if (delay) await new Promise((r) => setTimeout(r, delay).unref());
      const status = await postJson(url, body);
      if (status >= 200 && status < 300) return;
    }
  }
}
