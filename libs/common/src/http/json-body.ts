/**
 * JSON request bodies for both apps, decoded strictly: UTF-8 that is not valid is an error (not
 * silently replaced), `__proto__`/`constructor.prototype` keys are refused (secure-json-parse,
 * Fastify's own parser), and nesting deeper than MAX_JSON_DEPTH is refused before any validator
 * walks it recursively (10,000 levels overflowed class-validator's stack: a 500).
 */
import { parse as secureParse } from 'secure-json-parse';

export const MAX_JSON_DEPTH = 64;

/** `application/json` and `application/*+json`, with any parameters (`; charset=utf-8`). */
export const JSON_MEDIA_TYPE = /^\s*application\/([\w.+-]+\+)?json\s*(;|$)/i;

export type JsonParse = { ok: true; value: unknown } | { ok: false; message: string; position: number };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function parseJsonBody(body: Buffer): JsonParse {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return { ok: false, message: 'the body is not valid UTF-8', position: firstInvalidUtf8(body) };
  }
  if (text.trim() === '') return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = secureParse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, message, position: Number(/position (\d+)/.exec(message)?.[1] ?? 0) };
  }
  if (depthExceeds(value, MAX_JSON_DEPTH)) {
    return { ok: false, message: `nesting deeper than ${MAX_JSON_DEPTH} levels`, position: 0 };
  }
  return { ok: true, value };
}

/** Iterative (no recursion of our own to overflow), stops at the first path that is too deep. */
function depthExceeds(root: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[root, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Byte offset of the first replaced sequence (linear: one lenient decode). */
function firstInvalidUtf8(body: Buffer): number {
  const lenient = body.toString('utf8');
  const index = lenient.indexOf('\uFFFD');
  return index < 0 ? 0 : Buffer.byteLength(lenient.slice(0, index));
}
