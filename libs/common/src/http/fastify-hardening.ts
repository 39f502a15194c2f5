/**
 * Protocol plumbing both HTTP apps share: server timeouts, the router's own errors in the apps'
 * `{"detail": "..."}` shape, and 405 with `Allow` for a known path asked with another method.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import FindMyWay from 'find-my-way';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A client that sends headers slowly, or headers and then a stalled body, is cut off (Node answers
 * 408 and closes) instead of holding a connection for minutes. Node checks every second.
 */
export const SERVER_TIMEOUTS = {
  clientErrorHandler,
  requestTimeout: 10_000,
  keepAliveTimeout: 5_000,
  http: { headersTimeout: 5_000, connectionsCheckingInterval: 1_000 },
} as const;

/** What Node's parser or timers refuse before Fastify has a request: code → status and sentence. */
const CLIENT_ERRORS: Record<string, [number, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout: the request was not received in time'],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
};

/**
 * Fastify's `clientErrorHandler`: a request Node could not read (a timeout, headers too large, a
 * malformed request line) answered as `{"detail": "..."}` on the raw socket, then closed; Fastify's
 * own answer was `{"error", "message", "statusCode"}`. A socket already gone is just destroyed.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request: the request could not be parsed',
  ];
  const body = JSON.stringify({ detail });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** Longest path parameter the router accepts; longer ones are a 414 (ids are 32 characters). */
export const MAX_PARAM_LENGTH = 100;

const FRAMEWORK_ERRORS: Record<string, [number, string]> = {
  FST_ERR_BAD_URL: [400, 'Malformed URL: the path has an invalid percent-encoding'],
  FST_ERR_MAX_PARAM_LENGTH: [
    414,
    `URI Too Long: a path segment is longer than ${MAX_PARAM_LENGTH} characters`,
  ],
};

/** Fastify's `frameworkErrors` option: router errors as `{"detail": "..."}`, never Fastify's own JSON. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const [status, detail] = FRAMEWORK_ERRORS[error.code] ?? [400, 'Bad Request'];
  void reply.status(status).send({ detail });
}

/**
 * 405 with `Allow` for a path that exists under other methods only (a true 404 otherwise). Records
 * every route as it is registered (call before the routes are, i.e. before Nest's init) in a
 * find-my-way router, Fastify's own, and answers in an onRequest hook, before any body handling:
 * Fastify refuses a bodyless QUERY request with a 400 before it would reach a not-found handler.
 */
export function answerMethodNotAllowed(
  fastify: FastifyInstance,
  body: (method: string) => Record<string, unknown>,
): void {
  const router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH });
  const methods = new Set<string>();
  fastify.addHook('onRoute', (route) => {
    // A catch-all (CORS preflights' `OPTIONS *`) would make every unknown path a known one.
    if (route.url.endsWith('*')) return;
    for (const method of ([] as string[]).concat(route.method)) {
      if (router.hasRoute(method as never, route.url)) continue;
      router.on(method as never, route.url, () => undefined);
      methods.add(method);
    }
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const path = request.url.split('?')[0];
    const allowed = [...methods].filter((m) => {
      try {
        return router.find(m as never, path) !== null;
      } catch {
        return false; // a path the router cannot decode is nobody's
      }
    });
    if (!allowed.length || allowed.includes(request.method)) return done();
    void reply.status(405).header('Allow', allowed.sort().join(', ')).send(body(request.method));
  });
}
