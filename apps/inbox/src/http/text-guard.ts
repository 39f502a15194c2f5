/**
 * Text PostgreSQL cannot store: `text` and `jsonb` refuse NUL (U+0000), and `jsonb` refuses an
 * unpaired surrogate (`"\ud800"`, which JSON.stringify writes for one). Such text reaching a
 * query was a 500 on a dozen endpoints. Every request's query string, path parameters and body
 * are checked once, before any guard or handler:
 * - the API and the web pages refuse them with a 400 naming the field, in DRF's words;
 * - a route that must not refuse (`@RouteConfig(REPAIRS_TEXT)`: the provider webhook, where any
 *   error makes the provider redeliver the whole batch, so one character would block every message
 *   in it) gets each such character replaced by U+FFFD, the Unicode replacement character.
 */
import type { FastifyInstance } from 'fastify';
import { DrfError, replyWithError } from './drf-exception.filter';

export const REPAIRS_TEXT = { repairsText: true };

const NUL = '\u0000';
const REPLACEMENT = '\uFFFD';
const NUL_MESSAGE = 'Null characters are not allowed.';

type Path = string[];

/** The index of the first unpaired surrogate, or -1 (String#isWellFormed is ES2024; Node 20 lacks its types). */
function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = text.charCodeAt(i + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return i;
  }
  return -1;
}

/** What is wrong with a string, in DRF's words; null when PostgreSQL can store it. */
export function textProblem(text: string): string | null {
  if (text.includes(NUL)) return NUL_MESSAGE;
  const at = loneSurrogateAt(text);
  if (at < 0) return null;
  return `Surrogate characters are not allowed: U+${text.charCodeAt(at).toString(16).toUpperCase()}.`;
}

/** The string with NUL and unpaired surrogates replaced by U+FFFD (one pass). */
export function repairText(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0 && (code < 0xd800 || code > 0xdfff)) continue;
    const next = text.charCodeAt(i + 1);
    if (code >= 0xd800 && code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    out += text.slice(from, i) + REPLACEMENT;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

const isWalkable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Buffer.isBuffer(value);

/** The path and problem of the first key or string in `root` PostgreSQL cannot store (iterative). */
export function findBadText(root: unknown): { path: Path; problem: string } | null {
  const stack: [unknown, Path][] = [[root, []]];
  while (stack.length) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { path, problem };
    } else if (isWalkable(value)) {
      for (const [key, child] of Object.entries(value)) {
        const problem = textProblem(key);
        if (problem) return { path: [...path, repairText(key)], problem };
        stack.push([child, [...path, key]]);
      }
    }
  }
  return null;
}

/** A copy of `value` whose keys and strings PostgreSQL can all store. */
export function repairTextDeep(value: unknown): unknown {
  if (typeof value === 'string') return textProblem(value) ? repairText(value) : value;
  if (Array.isArray(value)) return value.map(repairTextDeep);
  if (!isWalkable(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) out[repairText(key)] = repairTextDeep(child);
  return out;
}

/** DRF's nested error shape: ['text', 'body'] → {"text": {"body": ["message"]}}. */
function fieldError(path: Path, message: string): Record<string, unknown> {
  if (path.length === 0) return { non_field_errors: [message] };
  let error: unknown = [message];
  for (const key of [...path].reverse()) error = { [key]: error };
  return error as Record<string, unknown>;
}

export function registerTextGuard(fastify: FastifyInstance): void {
  fastify.addHook('preValidation', (request, reply, done) => {
    const config = request.routeOptions.config as { repairsText?: boolean } | undefined;
    if (config?.repairsText === true) {
      if (findBadText(request.body)) request.body = repairTextDeep(request.body);
      return done();
    }
    for (const part of [request.params, request.query, request.body]) {
      const bad = findBadText(part);
      if (bad) return replyWithError(request, reply, new DrfError(400, fieldError(bad.path, bad.problem)));
    }
    done();
  });
}
