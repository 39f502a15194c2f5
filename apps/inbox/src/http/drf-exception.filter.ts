import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { isDatabaseUnavailable } from '@app/common/database/database-unavailable';

/** Errors in Django REST framework's shape: `{"detail": "..."}`, or `{"field": ["message"]}` for validation. */
@Catch()
export class DrfExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      const body =
        typeof payload === 'object' && payload !== null && !('statusCode' in payload)
          ? payload
          : {
              detail:
                status === 404 ? 'Not found.' : typeof payload === 'string' ? payload : exception.message,
            };
      for (const [name, value] of Object.entries(
        (exception as { headers?: Record<string, string> }).headers ?? {},
      )) {
        void reply.header(name, value);
      }
      void reply.status(status).send(body);
      return;
    }
    const status = (exception as { statusCode?: number })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      void reply.status(status).send({ detail: (exception as Error).message });
      return;
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ err: exception }, 'database unavailable; answered 503');
      void reply
        .status(503)
        .header('Retry-After', '5')
        .send({ detail: 'Service temporarily unavailable: the database cannot be reached. Retry later.' });
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, error_id: errorId }, 'unhandled error');
    void reply.status(500).send({ detail: 'A server error occurred.', error_id: errorId });
  }
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
