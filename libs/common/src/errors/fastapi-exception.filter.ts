import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from '../database/database-unavailable';
import { ApiError } from './api-error';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request body too large: the limit is 64 KiB',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

/** Errors raised by the HTTP framework itself (body limit, aborted request) carry a statusCode. */
interface FrameworkError extends Error {
  statusCode?: number;
  code?: string;
}

type Answer = [status: number, body: unknown, headers: Record<string, string>];

/**
 * One place that turns every exception into the public error shape (FastAPI's). Anything
 * unexpected is a 500 with an error id that is also logged, so support can find it without
 * leaking internals.
 */
@Catch()
export class FastApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<{ method?: string; url?: string; id?: string }>();
    const [status, body, headers] = this.answer(exception, request);
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = http.getResponse();
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(response, name, value);
    adapter.reply(response, body, status);
  }

  private answer(exception: unknown, request: { method?: string; url?: string; id?: string }): Answer {
    if (exception instanceof ApiError)
      return [exception.getStatus(), exception.getResponse(), exception.headers];
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    const status = (exception as FrameworkError)?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      return [status, { detail: REASONS[status] ?? (exception as Error).message }, {}];
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception, request_id: request.id }, 'database unavailable; answered 503');
      const { status, detail, headers } = DATABASE_UNAVAILABLE;
      return [status, { detail }, headers];
    }
    const errorId = randomUUID();
    this.logger.error(
      { err: exception, error_id: errorId, request_id: request.id, method: request.method, url: request.url },
      'unhandled error',
    );
    return [500, { detail: 'Internal Server Error', error_id: errorId }, {}];
  }

  private fromHttpException(exception: HttpException): Answer {
    const status = exception.getStatus();
    const payload = exception.getResponse();
    if (typeof payload === 'object' && payload !== null && 'detail' in payload) return [status, payload, {}];
    if (REASONS[status] && status !== 400) return [status, { detail: REASONS[status] }, {}];
    const message = typeof payload === 'string' ? payload : (payload as { message?: unknown }).message;
    return [
      status,
      { detail: typeof message === 'string' ? message : (REASONS[status] ?? exception.message) },
      {},
    ];
  }
}
