/**
 * The web inbox's static files (apps/inbox-web, built into dist/apps/inbox-web), held in memory and
 * served as they are: no path ever reaches the filesystem at request time (nothing to traverse),
 * pre-compressed copies chosen by Accept-Encoding, hashed assets cached for a year, `index.html`
 * revalidated. Loaded on the first request, so an instance nobody opens holds none of it.
 */
import negotiate from '@fastify/accept-negotiator';
import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

interface WebFile {
  type: string;
  identity: Buffer;
  gzip?: Buffer;
  br?: Buffer;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  json: 'application/json',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};
const ENCODINGS = ['br', 'gzip', 'identity'];
/** The page may be framed by a partner's white-label front-end (seed 001); scripts only from here. */
const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'";

/** Where the built files are: next to the built instance, or in dist/ when run from sources (tests). */
export function webRoot(): string {
  const fromSources = resolve(process.cwd(), 'dist/apps/inbox-web');
  const candidates = [process.env.INBOX_WEB_ROOT, resolve(__dirname, '../inbox-web'), fromSources];
  return (
    candidates.find((c): c is string => c !== undefined && existsSync(join(c, 'index.html'))) ?? fromSources
  );
}

@Injectable()
export class WebFiles {
  private files?: Map<string, WebFile>;

  /** The hashed assets (the page itself is answered by `sendPage`, see live-sockets.ts for `/`). */
  register(fastify: FastifyInstance): void {
    fastify.get('/assets/:file', (request, reply) => this.sendAsset(request, reply));
    fastify.get('/main/*', (request, reply) => this.sendPage(request, reply));
  }

  sendPage(request: FastifyRequest, reply: FastifyReply): void {
    const page = this.load().get('/index.html');
    if (!page) {
      void reply
        .status(503)
        .header('Content-Type', 'text/plain; charset=utf-8')
        .send('The web inbox is not built: run npm run build.');
      return;
    }
    void reply.header('Cache-Control', 'no-cache').header('Content-Security-Policy', PAGE_CSP);
    this.send(request, reply, page);
  }

  private sendAsset(request: FastifyRequest, reply: FastifyReply): void {
    const file = this.load().get(`/assets/${(request.params as { file: string }).file}`);
    if (!file) {
      void reply.status(404).send({ detail: 'Not found.' });
      return;
    }
    void reply.header('Cache-Control', 'public, max-age=31536000, immutable');
    this.send(request, reply, file);
  }

  private send(request: FastifyRequest, reply: FastifyReply, file: WebFile): void {
    const accepted = request.headers['accept-encoding'];
    const encoding = typeof accepted === 'string' ? negotiate(accepted, ENCODINGS) : 'identity';
    const body = (encoding === 'br' && file.br) || (encoding === 'gzip' && file.gzip) || file.identity;
    if (body !== file.identity) void reply.header('Content-Encoding', encoding);
    void reply
      .header('Content-Type', file.type)
      .header('Vary', 'Accept-Encoding')
      .header('X-Content-Type-Options', 'nosniff')
      .send(body);
  }

  private load(): Map<string, WebFile> {
    if (this.files) return this.files;
    const root = webRoot();
    const files = new Map<string, WebFile>();
    const walk = (dir: string): string[] =>
      existsSync(dir)
        ? readdirSync(dir).flatMap((name) => {
            const path = join(dir, name);
            return statSync(path).isDirectory() ? walk(path) : [path];
          })
        : [];
    for (const path of walk(root)) {
      if (/\.(gz|br)$/.test(path)) continue;
      const extension = path.slice(path.lastIndexOf('.') + 1);
      files.set(`/${relative(root, path)}`, {
        type: TYPES[extension] ?? 'application/octet-stream',
        identity: readFileSync(path),
        gzip: existsSync(`${path}.gz`) ? readFileSync(`${path}.gz`) : undefined,
        br: existsSync(`${path}.br`) ? readFileSync(`${path}.br`) : undefined,
      });
    }
    this.files = files;
    return files;
  }
}
