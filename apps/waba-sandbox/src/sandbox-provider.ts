import { createHash, randomUUID } from 'node:crypto';
import { Channels, Inbound, Outbound, channelOfKey, newMessageId } from './channels';
import { inboundWebhook, statusWebhook } from './cloud-webhook';
import { WebhookSender } from './webhook-sender';

/** An error answered the way the Cloud API answers (`{"error": {...}}`). */
export class ProviderError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = 100,
  ) {
    super(message);
  }
}

/** Message types the sandbox accepts for sending, each with its required object. */
const SENDABLE = [
  'text',
  'image',
  'document',
  'audio',
  'video',
  'sticker',
  'location',
  'contacts',
  'interactive',
  'template',
];
const WA_ID = /^\d{5,20}$/;
/** The pauses before `sent`, `delivered` and `read` are played back (a real phone takes seconds). */
export const STATUS_DELAYS_MS = { sent: 150, delivered: 450, read: 900 };

/** The provider side of the sandbox: what the instance calls, and what the customer does. */
export class SandboxProvider {
  /** Answers already given per Idempotency-Key: a retried send returns the first answer. */
  private readonly answered = new Map<string, ReturnType<SandboxProvider['send']>>();
  /** Test and demo fault: the next `failSends` sends answer `failStatus` (a provider outage). */
  private faults = { failSends: 0, failStatus: 503 };

  constructor(
    readonly channels: Channels,
    private readonly webhooks = new WebhookSender(),
    private readonly delays = STATUS_DELAYS_MS,
  ) {}

  channelFor(apiKey: string | undefined): string {
    if (!apiKey) throw new ProviderError(401, 'D360-API-KEY header is missing', 0);
    return channelOfKey(apiKey);
  }

  registerWebhook(channel: string, url: unknown): { url: string } {
    if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url))
      throw new ProviderError(400, 'url must be an http(s) URL');
    this.channels.change(() => (this.channels.get(channel).webhookUrl = url));
    return { url };
  }

  /** The customer writes (the page, or tests through DESIGN.md's inbound endpoint). */
  inbound(channelId: string, body: Record<string, unknown>): { id: string } {
    const channel = this.channels.get(channelId);
    if (!channel.webhookUrl)
      throw new ProviderError(409, 'no instance has registered its webhook for this channel yet');
    const from = body.from;
    if (typeof from !== 'string' || !WA_ID.test(from))
      throw new ProviderError(400, 'from must be 5-20 digits');
    const name = typeof body.name === 'string' && body.name.trim() ? body.name.trim().slice(0, 100) : from;
    const message: Inbound = {
      id: newMessageId(),
      from,
      name,
      type: 'text',
      timestamp: Math.floor(Date.now() / 1000),
    };
    let media;
    if (typeof body.text === 'string' && body.text.length > 0 && body.text.length <= 4096) {
      message.text = body.text;
    } else if (isImage(body.image)) {
      const data = Buffer.from(body.image.data, 'base64');
      if (data.length === 0 || data.length > 5 * 1024 * 1024)
        throw new ProviderError(400, 'image must be 1 B-5 MB');
      media = {
        id: randomUUID(),
        channel: channelId,
        mimeType: body.image.mime_type,
        sha256: sha256(data),
        data: data.toString('base64'),
      };
      this.channels.addMedia(media);
      message.type = 'image';
      message.mediaId = media.id;
    } else {
      throw new ProviderError(400, 'give text (1-4096 characters) or image {data: base64, mime_type}');
    }
    this.channels.change(() => channel.inbound.push(message));
    void this.webhooks.send(channel.webhookUrl, inboundWebhook(channelId, message, media));
    return { id: message.id };
  }

  setFaults(body: Record<string, unknown>): { fail_sends: number; status: number } {
    const failSends = Number(body.fail_sends ?? 0);
    const failStatus = Number(body.status ?? 503);
    if (
      !Number.isInteger(failSends) ||
      failSends < 0 ||
      failSends > 100 ||
      ![429, 500, 502, 503, 504].includes(failStatus)
    )
      throw new ProviderError(400, 'fail_sends: 0-100, status: one of 429, 500, 502, 503, 504');
    this.faults = { failSends, failStatus };
    return { fail_sends: failSends, status: failStatus };
  }

  /** The instance sends (Cloud API `POST /messages`), once per Idempotency-Key. */
  sendOnce(channelId: string, body: Record<string, unknown>, idempotencyKey: string | undefined) {
    if (this.faults.failSends > 0) {
      this.faults.failSends--;
      throw new ProviderError(this.faults.failStatus, 'sandbox fault: the provider is failing', 2);
    }
    const key = idempotencyKey ? `${channelId}:${idempotencyKey}` : undefined;
    const earlier = key ? this.answered.get(key) : undefined;
    if (earlier) return earlier;
    const answer = this.send(channelId, body);
    if (key) this.answered.set(key, answer);
    return answer;
  }

  private send(channelId: string, body: Record<string, unknown>) {
    const to = body.to;
    const type = typeof body.type === 'string' ? body.type : 'text';
    if (typeof to !== 'string' || !WA_ID.test(to))
      throw new ProviderError(400, '(#100) Invalid parameter: to');
    if (!SENDABLE.includes(type) || typeof body[type] !== 'object' || body[type] === null)
      throw new ProviderError(400, `(#100) Invalid parameter: ${type} object is required for type ${type}`);
    const channel = this.channels.get(channelId);
    const message: Outbound = {
      id: newMessageId(),
      to,
      type,
      payload: body,
      status: 'accepted',
      timestamp: Math.floor(Date.now() / 1000),
    };
    this.channels.change(() => channel.outbound.push(message));
    this.playStatuses(channelId, message);
    return {
      messaging_product: 'whatsapp',
      contacts: [{ input: to, wa_id: to }],
      messages: [{ id: message.id }],
    };
  }

  private playStatuses(channelId: string, message: Outbound): void {
    for (const status of ['sent', 'delivered', 'read'] as const) {
      setTimeout(() => {
        this.channels.change(() => (message.status = status));
        const url = this.channels.get(channelId).webhookUrl;
        if (url) void this.webhooks.send(url, statusWebhook(channelId, message.id, message.to, status));
      }, this.delays[status]).unref();
    }
  }
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

function isImage(value: unknown): value is { data: string; mime_type: string } {
  const image = value as { data?: unknown; mime_type?: unknown } | undefined;
  return (
    typeof image?.data === 'string' &&
    typeof image.mime_type === 'string' &&
    /^image\/(jpeg|png|webp|gif)$/.test(image.mime_type)
  );
}
