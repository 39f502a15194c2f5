/**
 * Bodies as Django REST framework accepts them: JSON, form-urlencoded and multipart text fields.
 * A body that cannot be parsed becomes a 400 in DRF's shape, never a 500.
 */
import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

function parseMultipart(body: string, contentType: string): Record<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary)
    throw new BadRequestException({
      detail: 'Multipart form parse error - Invalid boundary in multipart: None',
    });
  const fields: Record<string, string> = {};
  for (const part of body.split(`--${boundary[1] ?? boundary[2]}`)) {
    const match = /^\r\n([\s\S]*?)\r\n\r\n([\s\S]*)\r\n$/.exec(part);
    const name = match && /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(match[1]);
    if (match && name && !/filename=/i.test(match[1])) fields[name[1]] = match[2];
  }
  return fields;
}

export function registerInboxBodyParsers(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json$/i,
    { parseAs: 'string' },
    (_req, body: string, done) => {
      if (body.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(body) as unknown);
      } catch (error) {
        done(
          new BadRequestException({ detail: `JSON parse error - ${(error as Error).message}` }),
          undefined,
        );
      }
    },
  );
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_req, body: string, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body)));
    },
  );
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'string' }, (req, body: string, done) => {
    try {
      done(null, parseMultipart(body, String(req.headers['content-type'])));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_req, _body, done) => done(null, {}));
}
