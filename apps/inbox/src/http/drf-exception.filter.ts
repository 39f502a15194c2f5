import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '@app/common/database/database-unavailable';
import { errorPage } from '../activation/pages';

type Answer = { status: number; body: Record<string, unknown>; headers: Record<string, string> };

/**
 * Errors in Django REST framework's shape on the API (`/api/...`): `{"detail": "..."}`, or
 * `{"field": ["message"]}` for validation. The web pages (everything else) answer the same
 * errors as an HTML page a person can read.
 */
@Catch()
export class DrfExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    replyWithError(
      host.switchToHttp().getRequest<FastifyRequest>(),
      host.switchToHttp().getResponse<FastifyReply>(),
      exception,
    );
  }
}

const logger = new Logger('Errors');

/**
 * Answers an error in the instance's shapes: the filter's work, and that of Fastify hooks that
 * refuse a request before Nest sees it (uploads authenticated before their body is read, text a
 * database cannot hold).
 */
export function replyWithError(request: FastifyRequest, reply: FastifyReply, exception: unknown): void {
  const { status, body, headers } = answer(exception);
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  if (isApi(request.url)) {
    void reply.status(status).send(body);
    return;
  }
  void reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(errorPage(STATUS_CODES[status] ?? 'Error', sentence(body)));
}

function answer(exception: unknown): Answer {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    const body =
      typeof payload === 'object' && payload !== null && !('statusCode' in payload)
        ? (payload as Record<string, unknown>)
        : {
            detail: status === 404 ? 'Not found.' : typeof payload === 'string' ? payload : exception.message,
          };
    return { status, body, headers: (exception as { headers?: Record<string, string> }).headers ?? {} };
  }
  const status = (exception as { statusCode?: number })?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, body: { detail: (exception as Error).message }, headers: {} };
  }
  if (isDatabaseUnavailable(exception)) {
    logger.warn({ err: exception }, 'database unavailable; answered 503');
    const { status, detail, headers } = DATABASE_UNAVAILABLE;
    return { status, body: { detail }, headers };
  }
  const errorId = randomUUID();
  logger.error({ err: exception, error_id: errorId }, 'unhandled error');
  return { status: 500, body: { detail: 'A server error occurred.', error_id: errorId }, headers: {} };
}

/** The API and the provider's webhook answer JSON; everything else is a page for a person. */
const isApi = (url: string): boolean =>
  url === '/api' || url.startsWith('/api/') || url.startsWith('/api?') || url.startsWith('/waba/');

/** `{"detail": "x"}` → "x"; `{"field": ["m"]}` → "field: m". */
function sentence(body: Record<string, unknown>): string {
  if (typeof body.detail === 'string') return body.detail;
  return Object.entries(body)
    .map(([field, messages]) => `${field}: ${([] as unknown[]).concat(messages).join(' ')}`)
    .join(' ');
}

/** An HttpException that also sets response headers (e.g. WWW-Authenticate). */
export class DrfError extends HttpException {
  constructor(
    status: number,
    body: string | Record<string, unknown>,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? { detail: body } : body, status);
  }
}
