/**
 * Bodies as Django REST framework accepts them: JSON, form-urlencoded and multipart, each parsed
 * by a kept library with limits (a hand-written multipart regex once took 7.8 s of event loop for
 * one 96 KiB request). A body that cannot be parsed is a 400 in DRF's shape, never a 500.
 */
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import { BadRequestException } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest, preParsingHookHandler } from 'fastify';
import { JSON_MEDIA_TYPE, parseJsonBody } from '@app/common/http/json-body';
import { replyWithError } from './drf-exception.filter';
import { MULTIPART_LIMITS, parseMultipartFields } from './multipart-fields';

/** Whole request bodies (JSON, forms, multipart): larger ones are a 413 before any parsing. */
export const INBOX_BODY_LIMIT = 1024 * 1024;
/** WhatsApp's largest audio and video (16 MB); documents over it are refused (docs/inbox.md). */
export const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;
/** A route that takes a file (`@RouteConfig(ACCEPTS_UPLOAD)`): the file, base64-encoded, and a little more. */
export const UPLOAD_BODY_LIMIT = Math.ceil((MAX_UPLOAD_BYTES * 4) / 3) + 64 * 1024;
export const ACCEPTS_UPLOAD = { acceptsUpload: true };

/** A JSON request keeps its bytes (the provider webhook is relayed byte for byte). */
export type WithRawBody = { rawBody?: Buffer };

const acceptsUpload = (config: unknown): boolean =>
  (config as { acceptsUpload?: unknown } | undefined)?.acceptsUpload === true;

/** Who sends a request (the identity feature's guard), or a rejection with its 401/403. */
export type Authenticate = (request: FastifyRequest) => Promise<object>;

export async function registerInboxBodyParsers(
  app: NestFastifyApplication,
  authenticate: Authenticate,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // Routes are added at app.init(), after this hook: upload routes get the larger body limit.
  // Their callers are authenticated before the body is read: a stranger's 22 MB costs nothing.
  const authenticateFirst: preParsingHookHandler = (request, reply, payload, done) => {
    authenticate(request).then(
      (user) => {
        (request as FastifyRequest & { user?: object }).user = user;
        done(null, payload);
      },
      (error: unknown) => replyWithError(request, reply, error),
    );
  };
  fastify.addHook('onRoute', (route) => {
    if (!acceptsUpload(route.config)) return;
    route.bodyLimit = UPLOAD_BODY_LIMIT;
    const existing: preParsingHookHandler[] = route.preParsing ? [route.preParsing].flat() : [];
    route.preParsing = [...existing, authenticateFirst];
  });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    (req as WithRawBody).rawBody = body;
    const parsed = parseJsonBody(body);
    if (parsed.ok) return done(null, parsed.value ?? {});
    done(new BadRequestException({ detail: `JSON parse error - ${parsed.message}` }), undefined);
  });
  await app.register(fastifyFormbody, { bodyLimit: INBOX_BODY_LIMIT });
  fastify.addContentTypeParser('multipart/form-data', { parseAs: 'buffer' }, (req, body: Buffer, done) => {
    const limits = acceptsUpload(req.routeOptions.config)
      ? { ...MULTIPART_LIMITS, files: 1, fileSize: MAX_UPLOAD_BYTES, fieldSize: UPLOAD_BODY_LIMIT }
      : MULTIPART_LIMITS;
    parseMultipartFields(req.headers, body, limits).then(
      (fields) => done(null, fields),
      (error: Error) => done(error, undefined),
    );
  });
  await app.register(fastifyCookie);
  // Anything else is ignored (DRF answers as if no data was sent): handlers see an empty form.
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, {}));
}
