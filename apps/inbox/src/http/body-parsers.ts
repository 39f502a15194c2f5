/**
 * Bodies as Django REST framework accepts them: JSON, form-urlencoded and multipart, each parsed
 * by a kept library with limits (a hand-written multipart regex once took 7.8 s of event loop for
 * one 96 KiB request). A body that cannot be parsed is a 400 in DRF's shape, never a 500.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { JSON_MEDIA_TYPE, parseJsonBody } from '@app/common/http/json-body';
import { parseMultipartFields } from './multipart-fields';

/** Whole request bodies (JSON, forms, multipart): larger ones are a 413 before any parsing. */
export const INBOX_BODY_LIMIT = 1024 * 1024;

export async function registerInboxBodyParsers(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    const parsed = parseJsonBody(body);
    if (parsed.ok) return done(null, parsed.value ?? {});
    done(new BadRequestException({ detail: `JSON parse error - ${parsed.message}` }), undefined);
  });
  await app.register(fastifyFormbody, { bodyLimit: INBOX_BODY_LIMIT });
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    parseMultipartFields(req.headers, body).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });
  await app.register(fastifyCookie);
  // Anything else is ignored (DRF answers as if no data was sent): handlers see an empty form.
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, {}));
}
