/**
 * One HTTP request to the provider over node:http(s). Not `fetch`: Node's fetch (undici) costs an
 * idle instance ~14 MB of RSS from its first call, and every instance calls its provider at start
 * (the webhook registration), so fetch would count against every tenant (docs/inbox.md).
 */
import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface ProviderHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
  timeoutMs: number;
  /** Answers longer than this are cut off with BodyTooLarge (the caller decides what that means). */
  maxBytes: number;
}

export interface ProviderHttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class RequestTimedOut extends Error {}
export class BodyTooLarge extends Error {}

export function providerHttp(req: ProviderHttpRequest): Promise<ProviderHttpAnswer> {
  const target = new URL(req.url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      target,
      {
        method: req.method,
        headers: { ...req.headers, ...(req.body ? { 'Content-Length': String(req.body.length) } : {}) },
        timeout: req.timeoutMs,
      },
      (incoming) => {
        const declared = Number(incoming.headers['content-length'] ?? 0);
        if (declared > req.maxBytes) {
          incoming.destroy();
          return reject(new BodyTooLarge(`the answer is larger than ${req.maxBytes} bytes`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        incoming.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > req.maxBytes) {
            incoming.destroy();
            reject(new BodyTooLarge(`the answer is larger than ${req.maxBytes} bytes`));
          } else {
            chunks.push(chunk);
          }
        });
        incoming.on('end', () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks),
          }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.on('timeout', () =>
      outgoing.destroy(new RequestTimedOut(`no answer within ${req.timeoutMs} ms`)),
    );
    outgoing.on('error', reject);
    outgoing.end(req.body);
  });
}
