/**
 * One signed webhook request (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature`), over node:http so the SSRF guard controls the connection. Redirects are
 * not followed; the answer's body is read (bounded) only for the log.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { AddressGuard, BlockedAddressError } from './address-guard';
import { signWebhook } from './webhook-signature';

export interface SignedPost {
  url: string;
  /** Stable across retries: receivers deduplicate on it. */
  messageId: string;
  body: string;
  /** `whsec_...` */
  signingSecret: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  /** How much of the answer to keep (default 200 characters, for the log); a rule engine's answer is read whole. */
  answerChars?: number;
  /** Keep-alive agents for a sender that posts often (the relay); none: one connection per post. */
  agents?: { http: HttpAgent; https: HttpsAgent };
}

export type PostOutcome =
  | { kind: 'answered'; status: number; latencyMs: number; bodySnippet: string }
  | { kind: 'blocked'; reason: string; latencyMs: number }
  | { kind: 'unreachable'; reason: string; latencyMs: number };

const MAX_SNIPPET = 200;

export async function postSigned(post: SignedPost, guard: AddressGuard): Promise<PostOutcome> {
  const started = Date.now();
  const latencyMs = () => Date.now() - started;
  let url: URL;
  try {
    url = new URL(post.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new Error(`unsupported scheme ${url.protocol}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) guard.check(host);
  } catch (error) {
    const kind = error instanceof BlockedAddressError ? 'blocked' : 'unreachable';
    return { kind, reason: (error as Error).message, latencyMs: latencyMs() };
  }
  const timestamp = new Date();
  const signature = signWebhook(post.signingSecret, post.messageId, timestamp, post.body);
  const headers = {
    ...post.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(post.body)),
    'user-agent': 'partner-platform-webhooks/1',
    'webhook-id': post.messageId,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': signature,
  };
  const https = url.protocol === 'https:';
  const send = https ? httpsRequest : httpRequest;
  const limit = post.answerChars ?? MAX_SNIPPET;
  const agent = post.agents ? (https ? post.agents.https : post.agents.http) : false;
  return new Promise<PostOutcome>((resolve) => {
    const req = send(
      url,
      { method: 'POST', headers, lookup: guard.lookup, timeout: post.timeoutMs, agent },
      (res) => {
        let snippet = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (snippet.length < limit) snippet += chunk.slice(0, limit - snippet.length);
        });
        res.on('end', () =>
          resolve({
            kind: 'answered',
            status: res.statusCode ?? 0,
            latencyMs: latencyMs(),
            bodySnippet: snippet,
          }),
        );
        res.on('error', (error) =>
          resolve({ kind: 'unreachable', reason: error.message, latencyMs: latencyMs() }),
        );
      },
    );
    // The whole exchange, not just idle time, is bounded.
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${post.timeoutMs} ms`)),
      post.timeoutMs,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${post.timeoutMs} ms`)));
    req.on('error', (error) => {
      const kind = error instanceof BlockedAddressError ? 'blocked' : 'unreachable';
      resolve({ kind, reason: error.message, latencyMs: latencyMs() });
    });
    req.on('close', () => clearTimeout(deadline));
    req.end(post.body);
  });
}

/** Why a post did not succeed and whether trying again could change that; undefined for a 2xx. */
export function failureOf(outcome: PostOutcome): { error: string; permanent: boolean } | undefined {
  if (outcome.kind === 'answered')
    return outcome.status >= 200 && outcome.status < 300
      ? undefined
      : { error: `HTTP ${outcome.status}: ${outcome.bodySnippet.slice(0, 200)}`.trim(), permanent: false };
  // An address the guard refuses stays refused: retrying would only delay what waits behind it.
  return { error: outcome.reason, permanent: outcome.kind === 'blocked' };
}
