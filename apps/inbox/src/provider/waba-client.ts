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

export interface MediaFile {
  data: Buffer;
  mimeType: string;
  filename?: string | null;
}

/** A message template as WhatsApp describes it (seed 002's Template). */
export type ProviderTemplate = Record<string, unknown> & { name: string; language: string };

export interface WabaClient {
  /** Sends a WhatsApp message object (Cloud API body); `idempotencyKey` is the same for retries. */
  send(message: Record<string, unknown>, idempotencyKey: string): Promise<SendResult>;
  /** Registers the instance's webhook URL (idempotent: the same URL again changes nothing). */
  registerWebhook(url: string): Promise<void>;
  /** Uploads a file for sending; the provider's media id. */
  uploadMedia(file: MediaFile): Promise<string>;
  /** A received file by the provider's media id (at most `maxBytes`, else ProviderRefused 413). */
  downloadMedia(mediaId: string, maxBytes: number): Promise<MediaFile>;
  templates(): Promise<ProviderTemplate[]>;
  createTemplate(template: Record<string, unknown>): Promise<unknown>;
  deleteTemplate(name: string): Promise<void>;
}

/** Waits before retry n (1-based): 0.25 s, 0.5 s, 1 s, 2 s; then it gives up. */
export const RETRY_DELAYS_MS = [250, 500, 1000, 2000];
const TIMEOUT_MS = 10_000;
const MEDIA_TIMEOUT_MS = 60_000;

interface Call {
  method: string;
  path: string;
  json?: unknown;
  form?: FormData;
  idempotencyKey?: string;
  timeoutMs?: number;
}

@Injectable()
export class Dialog360Client implements WabaClient {
  constructor(private readonly config: BootstrapEnv) {}

  async send(message: Record<string, unknown>, idempotencyKey: string): Promise<SendResult> {
    const response = await this.json({
      method: 'POST',
      path: '/messages',
      json: { messaging_product: 'whatsapp', recipient_type: 'individual', ...message },
      idempotencyKey,
    });
    const id = (response as { messages?: { id?: unknown }[] })?.messages?.[0]?.id;
    if (typeof id !== 'string') throw new ProviderUnavailable('the provider answered without a message id');
    return { id, response };
  }

  async registerWebhook(url: string): Promise<void> {
    await this.json({ method: 'POST', path: '/v1/configs/webhook', json: { url } });
  }

  async uploadMedia(file: MediaFile): Promise<string> {
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', file.mimeType);
    form.set('file', new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.filename ?? 'file');
    const answer = await this.json({ method: 'POST', path: '/media', form, timeoutMs: MEDIA_TIMEOUT_MS });
    const id = (answer as { id?: unknown })?.id;
    if (typeof id !== 'string')
      throw new ProviderUnavailable('the provider answered an upload without an id');
    return id;
  }

  /**
   * Cloud API media: `GET /{id}` gives a lookaside URL whose path and query are fetched from the
   * provider's own host with the key (360dialog's documented way; the sandbox does the same).
   */
  async downloadMedia(mediaId: string, maxBytes: number): Promise<MediaFile> {
    const info = (await this.json({ method: 'GET', path: `/${encodeURIComponent(mediaId)}` })) as {
      url?: unknown;
      mime_type?: unknown;
    };
    if (typeof info?.url !== 'string') throw new ProviderUnavailable('the provider gave no media URL');
    const lookaside = new URL(info.url);
    const response = await this.request({
      method: 'GET',
      path: `${lookaside.pathname}${lookaside.search}`,
      timeoutMs: MEDIA_TIMEOUT_MS,
    });
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new ProviderRefused(413, { error: `the file is larger than ${maxBytes} bytes` });
    }
    const data = Buffer.from(await response.arrayBuffer());
    if (data.length > maxBytes)
      throw new ProviderRefused(413, { error: `the file is larger than ${maxBytes} bytes` });
    const mimeType =
      typeof info.mime_type === 'string'
        ? info.mime_type
        : (response.headers.get('content-type') ?? 'application/octet-stream');
    return { data, mimeType };
  }

  async templates(): Promise<ProviderTemplate[]> {
    const answer = (await this.json({ method: 'GET', path: '/v1/configs/templates?limit=1000' })) as {
      waba_templates?: unknown;
    };
    if (!Array.isArray(answer?.waba_templates))
      throw new ProviderUnavailable('the provider answered templates without waba_templates');
    return (answer.waba_templates as unknown[]).filter((t): t is ProviderTemplate => {
      const template = t as Partial<ProviderTemplate> | null;
      return typeof template?.name === 'string' && typeof template.language === 'string';
    });
  }

  createTemplate(template: Record<string, unknown>): Promise<unknown> {
    return this.json({ method: 'POST', path: '/v1/configs/templates', json: template });
  }

  async deleteTemplate(name: string): Promise<void> {
    await this.json({ method: 'DELETE', path: `/v1/configs/templates/${encodeURIComponent(name)}` });
  }

  private async json(call: Call): Promise<unknown> {
    const response = await this.request(call);
    return response.json().catch(() => null);
  }

  /** One request, retried on 5xx, 429 and network errors or timeouts; 4xx are the caller's. */
  private async request(call: Call): Promise<Response> {
    let last = '';
    const timeoutMs = call.timeoutMs ?? TIMEOUT_MS;
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt - 1]));
      let response: Response;
      try {
        response = await fetch(`${this.config.WABA_API_URL.replace(/\/$/, '')}${call.path}`, {
          method: call.method,
          headers: {
            'D360-API-KEY': this.config.WABA_API_KEY,
            ...(call.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(call.idempotencyKey ? { 'Idempotency-Key': call.idempotencyKey } : {}),
          },
          body: call.form ?? (call.json !== undefined ? JSON.stringify(call.json) : undefined),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        last =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : (error as Error).message;
        continue;
      }
      if (response.ok) return response;
      const answer: unknown = await response.json().catch(() => null);
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw new ProviderRefused(response.status, answer);
      }
      last = `answered ${response.status}`;
    }
    throw new ProviderUnavailable(`the WhatsApp provider is unavailable (${last})`);
  }
}
