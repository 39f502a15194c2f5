/**
 * What a waba_webhooks/ request may say: the receiver's URL (http or https, no credentials in it, an
 * IP literal only if the SSRF guard allows it), optional headers sent with every call, and the
 * events wanted (DESIGN.md: a subset of six, all by default). Errors are DRF's field lists.
 */
import { AddressGuard, BlockedAddressError } from '@app/delivery/address-guard';
import { isIP } from 'node:net';
import { DrfError } from '../http/drf-exception.filter';

export const WEBHOOK_EVENTS = [
  'incoming_messages',
  'outgoing_messages',
  'assigned_messages',
  'chat_assignment',
  'chat_tagging',
  'message_tagging',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookInput {
  url?: string;
  headers?: Record<string, string>;
  events?: WebhookEvent[];
  user?: number;
}

const MAX_URL = 2048;
const MAX_HEADERS = 20;
const MAX_HEADER_VALUE = 1024;
/** RFC 9110's token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;
/** The request's own headers: set by the relay, never by a user. */
const RESERVED_HEADERS = new Set([
  'host',
  'content-type',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

type Errors = Record<string, string[]>;

function readUrl(raw: unknown, guard: AddressGuard, errors: Errors): string | undefined {
  if (typeof raw !== 'string' || !raw.trim()) return void (errors.url = ['This field is required.']);
  if (raw.length > MAX_URL)
    return void (errors.url = [`Ensure this field has no more than ${MAX_URL} characters.`]);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return void (errors.url = ['Enter a valid URL.']);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return void (errors.url = ['Enter a valid URL: http or https.']);
  if (url.username || url.password)
    return void (errors.url = ['Put credentials into a header (e.g. Authorization), not into the URL.']);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    try {
      guard.check(host);
    } catch (error) {
      if (!(error instanceof BlockedAddressError)) throw error;
      return void (errors.url = [`Not allowed: ${error.message}.`]);
    }
  }
  return url.toString();
}

function readHeaders(raw: unknown, errors: Errors): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw))
    return void (errors.headers = ['Expected an object of header names and values.']);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_HEADERS)
    return void (errors.headers = [`Ensure there are no more than ${MAX_HEADERS} headers.`]);
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (!HEADER_NAME.test(name))
      return void (errors.headers = [`"${name.slice(0, 64)}" is not a header name.`]);
    if (RESERVED_HEADERS.has(name.toLowerCase()))
      return void (errors.headers = [`"${name}" is set by the relay itself.`]);
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || /[\r\n\0]/.test(value))
      return void (errors.headers = [
        `The value of "${name}" must be a string of at most ${MAX_HEADER_VALUE} characters on one line.`,
      ]);
    headers[name] = value;
  }
  return headers;
}

function readEvents(raw: unknown, errors: Errors): WebhookEvent[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || !raw.length)
    return void (errors.events = [`Expected a non-empty list of: ${WEBHOOK_EVENTS.join(', ')}.`]);
  const unknown: unknown = raw.find((e) => !WEBHOOK_EVENTS.includes(e as WebhookEvent));
  if (unknown !== undefined)
    return void (errors.events = [
      `${JSON.stringify(unknown)?.slice(0, 64)} is not a valid choice (${WEBHOOK_EVENTS.join(', ')}).`,
    ]);
  return WEBHOOK_EVENTS.filter((e) => raw.includes(e));
}

function readUser(raw: unknown, errors: Errors): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  const id = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > 2 ** 31 - 1)
    return void (errors.user = ['A valid integer is required.']);
  return id;
}

/** `partial` (PATCH): only the fields given are checked; otherwise `url` is required. */
export function readWebhookInput(body: unknown, guard: AddressGuard, partial: boolean): WebhookInput {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errors: Errors = {};
  const input: WebhookInput = {};
  if (!partial || fields.url !== undefined) input.url = readUrl(fields.url, guard, errors);
  input.headers = readHeaders(fields.headers, errors);
  input.events = readEvents(fields.events, errors);
  input.user = readUser(fields.user, errors);
  if (Object.keys(errors).length) throw new DrfError(400, errors);
  return input;
}
