/**
 * Request bodies, parsed the way FastAPI answers them: JSON only, 64 KiB at most. A body that is
 * not valid JSON, or not JSON at all, reaches the handler as a marker, so the body pipe can answer
 * a 422 in the public error shape instead of the framework's default 400/415.
 */
import type { FastifyInstance } from 'fastify';
import { JSON_MEDIA_TYPE, parseJsonBody } from '@app/common';

export const BODY_LIMIT_BYTES = 64 * 1024;

export class MalformedJson {
  constructor(
    readonly message: string,
    readonly position: number,
  ) {}
}

export class NotJson {
  constructor(readonly contentType: string) {}
}

export function registerBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    const parsed = parseJsonBody(body);
    done(null, parsed.ok ? parsed.value : new MalformedJson(parsed.message, parsed.position));
  });
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (req, _body, done) => {
    done(null, new NotJson(String(req.headers['content-type'] ?? '')));
  });
}
