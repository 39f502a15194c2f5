/**
 * What a provider webhook says, whichever shape it came in: the On-Premises API's
 * `{contacts, messages, statuses}` (seed 002) or the Cloud API's
 * `{object, entry[].changes[].value: {contacts, messages, statuses}}` (360dialog today).
 * Messages come out in seed 002's `waba_payload` form (the On-Premises message object).
 */

export interface InboundContact {
  waId: string;
  name: string;
  /** `{profile: {name}, wa_id}` as seed 002 shows it in `contact.waba_payload`. */
  payload: { profile: { name: string }; wa_id: string };
}

export interface InboundMessage {
  id: string;
  from: string;
  timestamp: number;
  type: string;
  /** The message object as the provider sent it (a media `link` is added when stored). */
  payload: Record<string, unknown>;
  /** The provider's file, for image/document/audio/video/sticker/voice messages. */
  media?: { id: string; mimeType: string; sha256: string | null };
  /** Searchable text: a text body, a caption, a button or list reply title. */
  text: string | null;
}

export const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface StatusUpdate {
  messageId: string;
  status: DeliveryStatus;
  timestamp: number;
  recipient: string | null;
}

export interface ProviderNotification {
  contacts: InboundContact[];
  messages: InboundMessage[];
  statuses: StatusUpdate[];
}

export class MalformedWebhook extends Error {}

const MEDIA_TYPES = ['image', 'document', 'audio', 'video', 'sticker', 'voice'];
const WA_ID = /^\+?\d{3,20}$/;
/**
 * A provider's media id becomes a path segment of a provider URL (`GET /{id}`): Cloud API ids are
 * digits, On-Premises ones UUIDs. Anything else (`..`, `a/b`) is never requested: the message is
 * stored without a file, rather than the batch refused (a refusal makes the provider redeliver it).
 */
export const PROVIDER_MEDIA_ID = /^[A-Za-z0-9][\w-]{0,255}$/;
const MAX_ID = 256;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown, what: string): unknown[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new MalformedWebhook(`${what} must be an array`);
  return v;
};

/** Throws MalformedWebhook, naming the first problem, for a body that is neither shape. */
export function readProviderWebhook(body: unknown): ProviderNotification {
  if (!isObject(body)) throw new MalformedWebhook('the body must be a JSON object');
  const values: Json[] = [];
  if ('entry' in body) {
    for (const entry of list(body.entry, 'entry')) {
      if (!isObject(entry)) throw new MalformedWebhook('entry[] must hold objects');
      for (const change of list(entry.changes, 'entry[].changes')) {
        if (!isObject(change) || !isObject(change.value))
          throw new MalformedWebhook('entry[].changes[] must hold objects with a value');
        values.push(change.value);
      }
    }
  } else {
    values.push(body);
  }
  const out: ProviderNotification = { contacts: [], messages: [], statuses: [] };
  for (const value of values) {
    for (const c of list(value.contacts, 'contacts')) out.contacts.push(readContact(c));
    for (const m of list(value.messages, 'messages')) out.messages.push(readMessage(m));
    for (const s of list(value.statuses, 'statuses')) {
      const status = readStatus(s);
      if (status) out.statuses.push(status);
    }
  }
  return out;
}

function text(value: unknown, what: string, max = MAX_ID): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max)
    throw new MalformedWebhook(`${what} must be a string of 1-${max} characters`);
  return value;
}

function timestamp(value: unknown, what: string): number {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 1e11)
    throw new MalformedWebhook(`${what} must be a POSIX timestamp`);
  return n;
}

function waId(value: unknown, what: string): string {
  const id = text(value, what, 21);
  if (!WA_ID.test(id)) throw new MalformedWebhook(`${what} must be a WhatsApp id (digits)`);
  return id.replace(/^\+/, '');
}

function readContact(c: unknown): InboundContact {
  if (!isObject(c)) throw new MalformedWebhook('contacts[] must hold objects');
  const id = waId(c.wa_id, 'contacts[].wa_id');
  const profile = isObject(c.profile) ? c.profile : {};
  const name = typeof profile.name === 'string' ? profile.name.slice(0, 256) : '';
  return { waId: id, name, payload: { profile: { name }, wa_id: id } };
}

function readMessage(m: unknown): InboundMessage {
  if (!isObject(m)) throw new MalformedWebhook('messages[] must hold objects');
  const id = text(m.id, 'messages[].id');
  const from = waId(m.from, 'messages[].from');
  const type = text(m.type, 'messages[].type', 32);
  const ts = timestamp(m.timestamp, 'messages[].timestamp');
  let media: InboundMessage['media'];
  if (MEDIA_TYPES.includes(type)) {
    const part = m[type];
    if (!isObject(part)) throw new MalformedWebhook(`messages[].${type} must be an object`);
    const mediaId = text(part.id, `messages[].${type}.id`);
    media = PROVIDER_MEDIA_ID.test(mediaId)
      ? {
          id: mediaId,
          mimeType:
            typeof part.mime_type === 'string' &&
            /^[\w.+-]{1,64}\/[\w.+-]{1,64}(;.{0,64})?$/.test(part.mime_type)
              ? part.mime_type.split(';')[0]
              : 'application/octet-stream',
          sha256: typeof part.sha256 === 'string' ? part.sha256.slice(0, 128) : null,
        }
      : undefined;
  }
  return {
    id,
    from,
    timestamp: ts,
    type,
    payload: { ...m, from, timestamp: String(ts) },
    media,
    text: searchable(m, type),
  };
}

function searchable(m: Json, type: string): string | null {
  const part = m[type];
  if (!isObject(part)) return null;
  if (typeof part.body === 'string') return part.body.slice(0, 4096);
  if (typeof part.caption === 'string') return part.caption.slice(0, 4096);
  for (const reply of [part.button_reply, part.list_reply]) {
    if (isObject(reply) && typeof reply.title === 'string') return reply.title.slice(0, 4096);
  }
  if (typeof part.text === 'string') return part.text.slice(0, 4096); // button
  return null;
}

/** Null for a status this inbox does not track (`deleted`, `warning`, future ones): skipped, not refused. */
function readStatus(s: unknown): StatusUpdate | null {
  if (!isObject(s)) throw new MalformedWebhook('statuses[] must hold objects');
  const status = text(s.status, 'statuses[].status', 32);
  if (!DELIVERY_STATUSES.includes(status as DeliveryStatus)) return null;
  return {
    messageId: text(s.id, 'statuses[].id'),
    status: status as DeliveryStatus,
    timestamp: timestamp(s.timestamp, 'statuses[].timestamp'),
    recipient: typeof s.recipient_id === 'string' ? s.recipient_id.slice(0, 21) : null,
  };
}
