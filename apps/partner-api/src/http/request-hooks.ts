/**
 * Per-request plumbing on Fastify hooks (cheaper than middleware): the request id echoed as
 * X-Request-Id, one JSON access-log line, and the latency histogram labelled by route pattern.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Histogram } from 'prom-client';

const REQUEST_ID = /^[\w.:-]{1,128}$/;

export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

export function registerRequestHooks(fastify: FastifyInstance, log: Logger, latency: Histogram): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    latency.observe({ method: request.method, route, status_code: String(status) }, reply.elapsedTime / 1000);
    const level = status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
    if (log.isLevelEnabled(level)) {
      log[level](
        {
          req: { id: request.id, method: request.method, url: request.url },
          res: { statusCode: status },
          responseTime: reply.elapsedTime,
        },
        'request completed',
      );
    }
    done();
  });
}
