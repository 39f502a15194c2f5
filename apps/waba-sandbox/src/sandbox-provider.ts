import { createHash, randomInt } from 'node:crypto';
import { Channels, Inbound, Media, Outbound, Template, channelOfKey, newMessageId } from './channels';
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
/** WhatsApp's upload limit for audio and video (images 5 MB; documents up to 100 MB there). */
export const MAX_MEDIA_BYTES = 16 * 1024 * 1024;
const MEDIA_TYPES = ['image', 'document', 'audio', 'video', 'sticker'];
/** Every channel's approved templates, as a new WhatsApp Business account would have a few. */
export const DEFAULT_TEMPLATES: Template[] = [
  {
    name: 'hello_world',
    language: 'en_US',
    category: 'UTILITY',
    status: 'approved',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Hello World' },
      {
        type: 'BODY',
        text: 'Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp message notification.',
      },
      { type: 'FOOTER', text: 'WhatsApp Business Platform sample message' },
    ],
    namespace: 'sandbox_namespace',
    rejected_reason: 'NONE',
  },
  {
    name: 'follow_up',
    language: 'en',
    category: 'UTILITY',
    status: 'approved',
    components: [
      {
        type: 'BODY',
        text: 'Hello {{1}}, we are following up on your request. Reply to continue the conversation.',
      },
    ],
    namespace: 'sandbox_namespace',
    rejected_reason: 'NONE',
  },
  {
    name: 'order_update',
    language: 'en',
    category: 'UTILITY',
    status: 'approved',
    components: [{ type: 'BODY', text: 'Your order {{1}} is now {{2}}.' }],
    namespace: 'sandbox_namespace',
    rejected_reason: 'NONE',
  },
];
const TEMPLATE_NAME = /^[a-z0-9_]{1,512}$/;
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
      media = this.storeMedia(channelId, data, body.image.mime_type);
      message.type = 'image';
      message.mediaId = media.id;
    } else {
      throw new ProviderError(400, 'give text (1-4096 characters) or image {data: base64, mime_type}');
    }
    this.channels.change(() => channel.inbound.push(message));
    void this.webhooks.send(channel.webhookUrl, inboundWebhook(channelId, message, media));
    return { id: message.id };
  }

  /** `POST /media` (multipart `file`): the id to send the media by. */
  upload(channelId: string, file: { data: Buffer; mimeType: string; filename?: string } | undefined) {
    if (!file || file.data.length === 0) throw new ProviderError(400, '(#100) Param file is required');
    if (file.data.length > MAX_MEDIA_BYTES) throw new ProviderError(400, '(#100) file is too large', 131052);
    return { id: this.storeMedia(channelId, file.data, file.mimeType, file.filename).id };
  }

  /** `GET /{media-id}`: where to download it (a lookaside URL, rewritten to the provider by clients). */
  mediaInfo(channelId: string, id: string) {
    const media = this.channels.media(id);
    if (!media || media.channel !== channelId) throw new ProviderError(404, 'Unsupported get request', 100);
    return {
      messaging_product: 'whatsapp',
      url: `https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=${media.id}`,
      mime_type: media.mimeType,
      sha256: media.sha256,
      file_size: media.size,
      id: media.id,
    };
  }

  /** The bytes behind a lookaside URL, for the key of the channel that owns them. */
  mediaBytes(channelId: string | undefined, id: string): { media: Media; data: Buffer } {
    const media = this.channels.media(id);
    const data = media ? this.channels.mediaData(id) : undefined;
    if (!media || !data || (channelId !== undefined && media.channel !== channelId))
      throw new ProviderError(404, 'media not found', 100);
    return { media, data };
  }

  /** `GET /v1/configs/templates`: the defaults and those created on this channel. */
  templates(channelId: string) {
    const all = [...DEFAULT_TEMPLATES, ...this.channels.templates(channelId)];
    return {
      count: all.length,
      filters: {},
      limit: 1000,
      offset: 0,
      sort: ['id'],
      total: all.length,
      waba_templates: all,
    };
  }

  /** `POST /v1/configs/templates`: approved at once (WhatsApp reviews for minutes to hours). */
  createTemplate(channelId: string, body: Record<string, unknown>): Template {
    const { name, language, category, components } = body;
    if (typeof name !== 'string' || !TEMPLATE_NAME.test(name))
      throw new ProviderError(400, 'name must be lowercase letters, digits and underscores', 100);
    if (typeof language !== 'string' || !/^[a-z]{2}(_[A-Z]{2})?$/.test(language))
      throw new ProviderError(400, 'language must be a WhatsApp language code such as en or en_US', 100);
    if (typeof category !== 'string' || !category) throw new ProviderError(400, 'category is required', 100);
    if (
      !Array.isArray(components) ||
      components.length === 0 ||
      !components.every((c) => typeof c === 'object' && c !== null)
    )
      throw new ProviderError(400, 'components must be a non-empty array of objects', 100);
    const existing = [...DEFAULT_TEMPLATES, ...this.channels.templates(channelId)];
    if (existing.some((t) => t.name === name && t.language === language))
      throw new ProviderError(409, 'a template with this name and language exists', 2388024);
    const template: Template = {
      name,
      language,
      category: category.toUpperCase(),
      status: 'approved',
      components: components as Record<string, unknown>[],
      namespace: 'sandbox_namespace',
      rejected_reason: 'NONE',
    };
    this.channels.setTemplates(channelId, [...this.channels.templates(channelId), template]);
    return template;
  }

  /** `DELETE /v1/configs/templates/{name}`: every language of it. */
  deleteTemplate(channelId: string, name: string): { meta: { success: boolean } } {
    const kept = this.channels.templates(channelId).filter((t) => t.name !== name);
    if (kept.length === this.channels.templates(channelId).length)
      throw new ProviderError(
        404,
        "template not found (the sandbox's default templates cannot be deleted)",
        100,
      );
    this.channels.setTemplates(channelId, kept);
    return { meta: { success: true } };
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
    if (MEDIA_TYPES.includes(type)) this.checkMedia(channelId, body[type] as Record<string, unknown>);
    if (type === 'template') this.checkTemplate(channelId, body.template as Record<string, unknown>);
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

  private storeMedia(channel: string, data: Buffer, mimeType: string, filename?: string): Media {
    const media: Media = {
      id: String(randomInt(1e14, 2 ** 48 - 1)),
      channel,
      mimeType,
      sha256: sha256(data),
      size: data.length,
      filename,
    };
    this.channels.addMedia(media, data);
    return media;
  }

  /** A media message names an uploaded id of this channel, or a link WhatsApp would fetch. */
  private checkMedia(channelId: string, media: Record<string, unknown>): void {
    if (typeof media.id === 'string') {
      if (this.channels.media(media.id)?.channel !== channelId)
        throw new ProviderError(
          400,
          `(#131053) Media upload error: unknown media id ${media.id.slice(0, 40)}`,
          131053,
        );
    } else if (typeof media.link !== 'string' || !/^https?:\/\//.test(media.link)) {
      throw new ProviderError(400, '(#100) Invalid parameter: give the media an id or a link', 100);
    }
  }

  /** WhatsApp refuses a template that does not exist in that language (error 132001). */
  private checkTemplate(channelId: string, template: Record<string, unknown>): void {
    const language = (template.language as { code?: unknown } | undefined)?.code;
    const known = [...DEFAULT_TEMPLATES, ...this.channels.templates(channelId)].some(
      (t) => t.name === template.name && t.language === language && t.status === 'approved',
    );
    if (!known)
      throw new ProviderError(
        400,
        `(#132001) Template name does not exist in the translation: ${String(template.name).slice(0, 60)} (${String(language).slice(0, 10)})`,
        132001,
      );
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
