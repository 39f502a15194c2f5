/**
 * The instance's WhatsApp provider, behind one interface. `Dialog360Client` speaks 360dialog's
 * API (Cloud API dialect, `D360-API-KEY`); the local WhatsApp sandbox serves the same API on
 * purpose, so one client is exercised by every local run and test rather than a second one that
 * only tests would ever use.
 */
import { Injectable } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { BodyTooLarge, ProviderHttpAnswer, providerHttp } from './provider-http';
import { PROVIDER_MEDIA_ID } from './provider-webhook';

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
/** JSON answers are small; anything larger than this is not the provider's JSON. */
const MAX_JSON_BYTES = 1024 * 1024;

interface Call {
  method: string;
  path: string;
  json?: unknown;
  /** A multipart body already encoded, with its content type (uploads). */
  multipart?: { body: Buffer; contentType: string };
  idempotencyKey?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

const parseJson = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
};

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
    // FormData encodes the multipart body (undici, loaded on the first upload only).
    const form = new FormData();
    form.set('messaging_product', 'whatsapp');
    form.set('type', file.mimeType);
    form.set('file', new Blob([new Uint8Array(file.data)], { type: file.mimeType }), file.filename ?? 'file');
    const encoded = new Response(form);
    const multipart = {
      body: Buffer.from(await encoded.arrayBuffer()),
      contentType: encoded.headers.get('content-type')!,
    };
    const answer = await this.json({
      method: 'POST',
      path: '/media',
      multipart,
      timeoutMs: MEDIA_TIMEOUT_MS,
    });
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
    // Checked again here: ids stored before the webhook checked them, or from any other caller.
    if (!PROVIDER_MEDIA_ID.test(mediaId))
      throw new ProviderRefused(404, { error: 'not a provider media id' });
    const info = (await this.json({ method: 'GET', path: `/${encodeURIComponent(mediaId)}` })) as {
      url?: unknown;
      mime_type?: unknown;
    };
    if (typeof info?.url !== 'string') throw new ProviderUnavailable('the provider gave no media URL');
    const lookaside = new URL(info.url);
    let response: ProviderHttpAnswer;
    try {
      response = await this.request({
        method: 'GET',
        path: `${lookaside.pathname}${lookaside.search}`,
        timeoutMs: MEDIA_TIMEOUT_MS,
        maxBytes,
      });
    } catch (error) {
      if (error instanceof BodyTooLarge)
        throw new ProviderRefused(413, { error: `the file is larger than ${maxBytes} bytes` });
      throw error;
    }
    const headerType = response.headers['content-type'];
    const mimeType =
      typeof info.mime_type === 'string' ? info.mime_type : (headerType ?? 'application/octet-stream');
    return { data: response.body, mimeType };
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
    return parseJson((await this.request(call)).body);
  }

  /** One request, retried on 5xx, 429 and network errors or timeouts; 4xx are the caller's. */
  private async request(call: Call): Promise<ProviderHttpAnswer> {
    let last = '';
    const timeoutMs = call.timeoutMs ?? TIMEOUT_MS;
    const { body, headers } = encode(call);
    for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt - 1]));
      let response: ProviderHttpAnswer;
      try {
        response = await providerHttp({
          method: call.method,
          url: `${this.config.WABA_API_URL.replace(/\/$/, '')}${call.path}`,
          headers: { 'D360-API-KEY': this.config.WABA_API_KEY, ...headers },
          body,
          timeoutMs,
          maxBytes: call.maxBytes ?? MAX_JSON_BYTES,
        });
      } catch (error) {
        if (error instanceof BodyTooLarge) throw error;
        last = (error as Error).message;
        continue;
      }
      if (response.status >= 200 && response.status < 300) return response;
      if (response.status >= 400 && response.status < 500 && response.status !== 429) {
        throw new ProviderRefused(response.status, parseJson(response.body));
      }
      last = `answered ${response.status}`;
    }
    throw new ProviderUnavailable(`the WhatsApp provider is unavailable (${last})`);
  }
}

/** The call's body and the headers that describe it. */
function encode(call: Call): { body?: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = call.idempotencyKey
    ? { 'Idempotency-Key': call.idempotencyKey }
    : {};
  if (call.multipart)
    return { body: call.multipart.body, headers: { ...headers, 'Content-Type': call.multipart.contentType } };
  if (call.json === undefined) return { headers };
  return {
    body: Buffer.from(JSON.stringify(call.json)),
    headers: { ...headers, 'Content-Type': 'application/json' },
  };
}
