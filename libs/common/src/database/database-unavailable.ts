/**
 * Errors that mean "PostgreSQL cannot be reached right now" (down, restarting, failing over,
 * connections terminated), as opposed to a bad query: callers answer 503 with Retry-After for
 * these instead of a 500.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown (the server is stopping or terminated the backend)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '53300', // too_many_connections
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Connection terminated due to connection timeout',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; message?: unknown; driverError?: unknown } | undefined, depth = 0;
    e && depth < 3;
    depth++
  ) {
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.some((m) => (e!.message as string).includes(m)))
      return true;
    e = (e.driverError ?? (e as { cause?: unknown }).cause) as typeof e;
  }
  return false;
}

/** What both apps answer while PostgreSQL cannot be reached: 503 with this detail and Retry-After. */
export const DATABASE_UNAVAILABLE = {
  status: 503,
  detail: 'Service temporarily unavailable: the database cannot be reached. Retry later.',
  headers: { 'Retry-After': '5' },
} as const;
