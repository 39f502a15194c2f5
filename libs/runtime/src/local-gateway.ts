/**
 * Local mode's front door: routes `http://{subdomain}.localhost:{GATEWAY_PORT}` by Host header to
 * the instance's process, using the local runtime's state files, so the `health_check` and
 * `activation_url` the API hands out work from curl and a browser on this machine.
 */
import { IncomingMessage, Server, ServerResponse, createServer, request } from 'node:http';
import { LocalRuntime } from './local-runtime';

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

export function createLocalGateway(runtime: LocalRuntime, baseDomain: string): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const subdomain = subdomainOf(req.headers.host, baseDomain);
    const target = subdomain ? runtime.list().find((r) => r.subdomain === subdomain) : undefined;
    if (!target) return send(res, 404, `No instance serves ${req.headers.host ?? 'this host'}`);
    const upstream = request(
      {
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
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) send(res, 502, `Instance ${subdomain} is not answering (it may be starting)`);
      else res.destroy();
    });
    req.pipe(upstream);
  });
}
