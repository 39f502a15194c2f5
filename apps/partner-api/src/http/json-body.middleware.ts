import { json } from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { bodyParserAnswer } from '@app/common';

export const BODY_LIMIT = '64kb';

/**
 * JSON body parsing with a 64 KiB limit. Parser failures are answered here, in the public error
 * shape (422 json_invalid, 413, 415), because they happen before Nest's exception filters run.
 * strict: false lets a bare JSON string or number through to the body pipe, which names the problem.
 */
export function jsonBody(): RequestHandler {
  const parse = json({ limit: BODY_LIMIT, strict: false });
  return (request: Request, response: Response, next: NextFunction) => {
    parse(request, response, (error?: unknown) => {
      if (!error) return next();
      const answer = bodyParserAnswer(error as Error & { type?: string });
      if (!answer) return next(error);
      response.status(answer[0]).json(answer[1]);
    });
  };
}
