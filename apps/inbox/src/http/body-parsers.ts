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
import { DrfError, replyWithError } from './drf-exception.filter';
import { MULTIPART_LIMITS, parseMultipartFields } from './multipart-fields';
import { streamJsonUpload, streamMultipartUpload } from './upload-bodies';
import { SpooledFile, isSpooledFile } from './upload-spool';
import type { Readable } from 'node:stream';

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
  // Routes are added at app.init(), after this hook. An upload route's caller is authenticated
  // before its body is read: a stranger's 22 MB costs nothing.
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
    const existing: preParsingHookHandler[] = route.preParsing ? [route.preParsing].flat() : [];
    route.preParsing = [...existing, authenticateFirst];
  });
  fastify.removeAllContentTypeParsers();
  // JSON and multipart are read as streams: an upload route spools its file (upload-bodies.ts),
  // any other route is read whole, within INBOX_BODY_LIMIT (raw-body), and parsed as before.
  fastify.addContentTypeParser(JSON_MEDIA_TYPE, async (req: FastifyRequest, payload: Readable) => {
    if (acceptsUpload(req.routeOptions.config))
      return withSpools(req, streamJsonUpload(limitedUpload(req, payload), 'file_encoded', MAX_UPLOAD_BYTES));
    const body = await readWhole(req, payload);
    (req as WithRawBody).rawBody = body;
    const parsed = parseJsonBody(body);
    if (parsed.ok) return parsed.value ?? {};
    throw new BadRequestException({ detail: `JSON parse error - ${parsed.message}` });
  });
  await app.register(fastifyFormbody, { bodyLimit: INBOX_BODY_LIMIT });
  fastify.addContentTypeParser('multipart/form-data', async (req: FastifyRequest, payload: Readable) => {
    if (acceptsUpload(req.routeOptions.config))
      return withSpools(
        req,
        streamMultipartUpload(req.headers, limitedUpload(req, payload), MAX_UPLOAD_BYTES),
      );
    return parseMultipartFields(req.headers, await readWhole(req, payload), MULTIPART_LIMITS);
  });
  // A spooled upload's temporary file goes when its request is answered, whatever the answer.
  fastify.addHook('onResponse', (req, _reply, done) => {
    for (const spool of (req as WithSpools)[SPOOLS] ?? []) spool.remove();
    done();
  });
  await app.register(fastifyCookie);
  // Anything else is ignored (DRF answers as if no data was sent): handlers see an empty form.
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, _body, done) => done(null, {}));
}

const SPOOLS = Symbol('spooled uploads');
type WithSpools = FastifyRequest & { [SPOOLS]?: SpooledFile[] };

/** Remembers the request's spooled files for the onResponse hook. */
async function withSpools(req: FastifyRequest, reading: Promise<Record<string, unknown>>) {
  const body = await reading;
  (req as WithSpools)[SPOOLS] = Object.values(body).filter(isSpooledFile);
  return body;
}

/** A whole body of a route that takes no upload, as bytes (413 past INBOX_BODY_LIMIT). */
async function readWhole(req: FastifyRequest, payload: Readable): Promise<Buffer> {
  const { default: getRawBody } = await import('raw-body');
  try {
    return await getRawBody(payload, { length: req.headers['content-length'], limit: INBOX_BODY_LIMIT });
  } catch (error) {
    const { status, type } = error as { status?: number; type?: string };
    if (type === 'entity.too.large') throw new DrfError(413, 'Request body is too large.');
    throw new DrfError(
      status && status >= 400 && status < 500 ? status : 400,
      'The request body could not be read.',
    );
  }
}

/** An upload's raw bytes, cut off with a 413 past UPLOAD_BODY_LIMIT (declared or counted). */
function limitedUpload(req: FastifyRequest, payload: Readable): Readable {
  const tooLarge = () => new DrfError(413, 'Request body is too large.');
  if (Number(req.headers['content-length'] ?? 0) > UPLOAD_BODY_LIMIT) {
    payload.resume();
    throw tooLarge();
  }
  let received = 0;
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received > UPLOAD_BODY_LIMIT) payload.destroy(tooLarge());
  });
  return payload;
}
