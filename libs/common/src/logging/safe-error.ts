/**
 * What of an error may reach a log. pino's default serializer writes every enumerable property:
 * TypeORM's QueryFailedError carries the query's parameters (a password in a webhook URL's
 * userinfo, an admin's e-mail), pg's errors the failing row. Here: type, message, code, the
 * constraint or table, and the query's shape with its literals masked; never parameters.
 * URL userinfo (`scheme://user:password@`) is masked in every string that is kept.
 */

/** Bounded repetition: linear on any input, however long or hostile. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]{0,30}:\/\/)[^\s/@'"]{1,256}@/gi;
const SQL_LITERAL = /'(?:[^']|''){0,10000}'/g;

export function redactUrlUserinfo(text: string): string {
  return text.replace(URL_USERINFO, '$1[redacted]@');
}

/** The statement's kind and target, without any value: `INSERT INTO "instances"(...)`. */
function queryShape(query: unknown): string | undefined {
  if (typeof query !== 'string') return undefined;
  return query.replace(SQL_LITERAL, "'?'").replace(/\s+/g, ' ').trim().slice(0, 160);
}

interface ErrorLike {
  name?: string;
  message?: string;
  stack?: string;
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  query?: unknown;
  driverError?: unknown;
  cause?: unknown;
  statusCode?: unknown;
}

export function serializeError(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'string' ? redactUrlUserinfo(value) : value;
  }
  const error = value as ErrorLike;
  const out: Record<string, unknown> = {
    type: error.constructor?.name ?? error.name ?? 'Error',
    message: redactUrlUserinfo(String(error.message ?? '')),
    stack: typeof error.stack === 'string' ? redactUrlUserinfo(error.stack) : undefined,
    // `error_code`, not `code`: the logger redacts every `*.code` (activation codes).
    error_code: scalar(error.code),
    constraint: scalar(error.constraint),
    table: scalar(error.table),
    statusCode: scalar(error.statusCode),
    query: queryShape(error.query),
  };
  const inner = error.driverError ?? error.cause;
  if (inner && depth < 2) out.cause = serializeError(inner, depth + 1);
  return out;
}

const scalar = (value: unknown): string | number | undefined =>
  typeof value === 'string' || typeof value === 'number' ? value : undefined;
