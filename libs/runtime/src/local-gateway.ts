/**
 * Local mode's front door: routes `http://{subdomain}.localhost:{GATEWAY_PORT}` by Host header to
 * the instance's process, using the local runtime's state files, so the `health_check` and
 * `activation_url` the API hands out work from curl and a browser on this machine. The websocket
 * host `websockets-{subdomain}` goes to the same instance, upgrades included.
 */
import { IncomingMessage, Server, ServerResponse, createServer, request } from 'node:http';
import type { Duplex } from 'node:stream';
import { SERVER_TIMEOUTS, clientErrorHandler } from '@app/common/http/fastify-hardening';
import { LocalInstanceRecord, LocalRuntime } from './local-runtime';

/**
 * The apps' own limits (docs/http-platform.md): a client that stalls its headers or body is cut
 * off (408) after seconds, not Node's 60-300 s defaults, and so is an upgrade whose headers never
 * finish. An upgrade the instance does not answer is given up after the request timeout.
 */
export const GATEWAY_LIMITS = {
  requestTimeout: SERVER_TIMEOUTS.requestTimeout,
  keepAliveTimeout: SERVER_TIMEOUTS.keepAliveTimeout,
  headersTimeout: SERVER_TIMEOUTS.http.headersTimeout,
  connectionsCheckingInterval: SERVER_TIMEOUTS.http.connectionsCheckingInterval,
  /** Open connections at most (websockets included); more are closed at once by Node. */
  maxConnections: 2_000,
} as const;

/** Seed 002's websocket host prefix: `websockets-acme` is served by `acme`. */
export const WEBSOCKETS_PREFIX = 'websockets-';

const send = (res: ServerResponse, status: number, detail: string) => {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ detail }));
};

/** `acme.localhost:8080` → `acme` when the rest matches the base domain. */
export function subdomainOf(host: string | undefined, baseDomain: string): string | undefined {
  const name = (host ?? '').toLowerCase();
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (name.endsWith(suffix)) return name.slice(0, -suffix.length) || undefined;
  // Tolerate a missing or different port in Host (e.g. behind another proxy).
  const bare = suffix.replace(/:\d+$/, '');
  const hostWithoutPort = name.replace(/:\d+$/, '');
  return hostWithoutPort.endsWith(bare) ? hostWithoutPort.slice(0, -bare.length) || undefined : undefined;
}

/** The instance a request's Host names (directly or by its websocket host). */
function targetOf(runtime: LocalRuntime, baseDomain: string, host: string | undefined) {
  let subdomain = subdomainOf(host, baseDomain);
  if (subdomain?.startsWith(WEBSOCKETS_PREFIX)) subdomain = subdomain.slice(WEBSOCKETS_PREFIX.length);
  const target = subdomain ? runtime.list().find((r) => r.subdomain === subdomain) : undefined;
  return { subdomain, target };
}

const upstreamRequest = (req: IncomingMessage, target: LocalInstanceRecord) =>
  request({
    host: '127.0.0.1',
    port: target.port,
    method: req.method,
    path: req.url,
    headers: {
      ...req.headers,
      'x-forwarded-host': req.headers.host ?? '',
      'x-forwarded-proto': 'http',
      'x-forwarded-for': req.socket.remoteAddress ?? '',
    },
  });

/** The status line and headers of the instance's answer, as raw bytes for the client's socket. */
function rawHead(answer: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}`];
  for (let i = 0; i < answer.rawHeaders.length; i += 2)
    lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/**
 * A websocket upgrade: the request goes to the instance; on its 101 the two sockets are joined.
 * Anything else the instance answers is passed back as it is.
 */
function tunnel(req: IncomingMessage, client: Duplex, head: Buffer, target: LocalInstanceRecord): void {
  const upstream = upstreamRequest(req, target);
  client.on('error', () => upstream.destroy());
  // Until the instance answers; a joined tunnel (a websocket) lives as long as its two ends.
  const unanswered = setTimeout(() => {
    upstream.destroy();
    client.end('HTTP/1.1 504 Gateway Timeout\r\nContent-Length: 0\r\n\r\n');
  }, GATEWAY_LIMITS.requestTimeout);
  upstream.on('close', () => clearTimeout(unanswered));
  upstream.on('upgrade', (answer, socket, upstreamHead) => {
    clearTimeout(unanswered);
    client.write(rawHead(answer));
    if (upstreamHead.length) client.write(upstreamHead);
    if (head.length) socket.write(head);
    socket.on('error', () => client.destroy());
    socket.pipe(client).pipe(socket);
  });
  upstream.on('response', (answer) => {
    clearTimeout(unanswered);
    client.write(rawHead(answer));
    answer.pipe(client);
  });
  upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n'));
  upstream.end();
}

export function createLocalGateway(
  runtime: LocalRuntime,
  baseDomain: string,
  maxConnections: number = GATEWAY_LIMITS.maxConnections,
): Server {
  const { maxConnections: _default, ...timeouts } = GATEWAY_LIMITS;
  const server = createServer(timeouts, (req: IncomingMessage, res: ServerResponse) => {
    const { subdomain, target } = targetOf(runtime, baseDomain, req.headers.host);
    if (!target) return send(res, 404, `No instance serves ${req.headers.host ?? 'this host'}`);
    const upstream = upstreamRequest(req, target);
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) send(res, 502, `Instance ${subdomain} is not answering (it may be starting)`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
  server.on('upgrade', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    const { target } = targetOf(runtime, baseDomain, req.headers.host);
    if (!target) return client.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    tunnel(req, client, head, target);
  });
  server.maxConnections = maxConnections;
  server.on('clientError', clientErrorHandler);
  return server;
}
