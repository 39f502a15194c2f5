import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ApiError } from './api-error';

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
};

/** body-parser errors carry a status and a type; map them to what FastAPI would answer. */
interface BodyParserError extends Error {
  status?: number;
  statusCode?: number;
  type?: string;
  body?: string;
}

export function bodyParserAnswer(error: BodyParserError): [number, unknown] | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return [
        422,
        {
          detail: [
            {
              loc: ['body', Number(/position (\d+)/.exec(error.message)?.[1] ?? 0)],
              msg: `JSON decode error: ${error.message}`,
              type: 'json_invalid',
            },
          ],
        },
      ];
    case 'entity.too.large':
      return [413, { detail: 'Request body too large: the limit is 64 KiB' }];
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return [415, { detail: `Unsupported body encoding: ${error.message}` }];
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return [400, { detail: error.message }];
    default:
      return undefined;
  }
}

/**
 * One place that turns every exception into the public error shape. Anything unexpected is a 500
 * with an error id that is also logged, so support can find it without leaking internals.
 */
@Catch()
export class FastApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const [status, body, headers] = this.answer(exception, request);
    if (response.headersSent) return;
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    response.status(status).json(body);
  }

  private answer(exception: unknown, request: Request): [number, unknown, Record<string, string>] {
    if (exception instanceof ApiError)
      return [exception.getStatus(), exception.getResponse(), exception.headers];
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const payload = exception.getResponse();
      if (typeof payload === 'object' && payload !== null && 'detail' in payload)
        return [status, payload, {}];
      if (status === 404) return [404, { detail: 'Not Found' }, {}];
      const message = typeof payload === 'string' ? payload : (payload as { message?: unknown }).message;
      const detail = typeof message === 'string' ? message : (REASONS[status] ?? exception.message);
      return [status, { detail }, {}];
    }
    const parserAnswer = bodyParserAnswer(exception as BodyParserError);
    if (parserAnswer) return [...parserAnswer, {}];
    const errorId = randomUUID();
    this.logger.error(
      { err: exception, error_id: errorId, method: request.method, path: request.path },
      'unhandled error',
    );
    return [500, { detail: 'Internal Server Error', error_id: errorId }, {}];
  }
}
