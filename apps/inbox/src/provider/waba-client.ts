/**
 * The instance's WhatsApp provider, behind one interface. `Dialog360Client` speaks 360dialog's
 * API (Cloud API dialect, `D360-API-KEY`); the local WhatsApp sandbox serves the same API on
 * purpose, so one client is exercised by every local run and test rather than a second one that
 * only tests would ever use.
 */
import { Injectable } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';

/** The provider refused the request (4xx): the caller gets its answer in `waba_response`. */
export class ProviderRefused extends Error {
  constructor(
    readonly status: number,
    readonly response: unknown,
  ) {
    super(`the provider answered ${status}`);
  }
}

/** The provider could not be reached or kept failing (5xx, 429, timeouts) after the retries. */
export class ProviderUnavailable extends Error {}

export interface SendResult {
  /** The provider's message id. */
  id: string;
  /** The provider's whole answer (seed 002's `waba_response`). */
  response: unknown;
}

export interface WabaClient {
  /** Sends a WhatsApp message object (Cloud API body); `idempotencyKey` is the same for retries. */
  send(message: Record<string, unknown>, idempotencyKey: string): Promise<SendResult>;
  /** Registers the instance's webhook URL (idempotent: the same URL again changes nothing). */
  registerWebhook(url: string): Promise<void>;
}

/** Waits before retry n (1-based): 0.25 s, 0.5 s, 1 s, 2 s; then it gives up. */
export const RETRY_DELAYS_MS = [250, 500, 1000, 2000];
const TIMEOUT_MS = 10_000;

@Injectable()
export class Dialog360Client implements WabaClient {
  constructor(private readonly config: BootstrapEnv) {}

  async send(message: Record<string, unknown>, idempotencyKey: string): Promise<SendResult> {
    const response = await this.call(
      'POST',
      '/messages',
      { messaging_product: 'whatsapp', recipient_type: 'individual', ...message },
      idempotencyKey,
    );
    const id = (response as { messages?: { id?: unknown }[] })?.messages?.[0]?.id;
    if (typeof id !== 'string') throw new ProviderUnavailable('the provider answered without a message id');
    return { id, response };
  }

  async registerWebhook(url: string): Promise<void> {
    await this.call('POST', '/v1/configs/webhook', { url });
  }

  /** One request, retried on 5xx, 429 and network errors or timeouts; 4xx are the caller's. */
  private async call(method: string, path: string, body: unknown, idempotencyKey?: string): Promise<unknown> {
    let last = '';
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt - 1]));
      let response: Response;
      try {
        response = await fetch(`${this.config.WABA_API_URL.replace(/\/$/, '')}${path}`, {
          method,
          headers: {
            'D360-API-KEY': this.config.WABA_API_KEY,
            'Content-Type': 'application/json',
            ...(idempotencyKey ? { 'Idempotency-Key': idempotencyKey } : {}),
          },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
      } catch (error) {
        last =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${TIMEOUT_MS} ms`
            : (error as Error).message;
        continue;
      }
      const answer: unknown = await response.json().catch(() => null);
      if (response.ok) return answer;
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw new ProviderRefused(response.status, answer);
      }
      last = `answered ${response.status}`;
    }
    throw new ProviderUnavailable(`the WhatsApp provider is unavailable (${last})`);
  }
}
