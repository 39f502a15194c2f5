/** The instance's two cookies, read and written through @fastify/cookie (registered in body-parsers.ts). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUrlSafe } from '@app/common/crypto/hashing';

export const SESSION_COOKIE = 'sessionid';
export const CSRF_COOKIE = 'csrftoken';

/** A cookie's value; a malformed `%` escape is kept as sent (the cookie library never throws). */
export function readCookie(request: FastifyRequest, name: string): string | undefined {
  return request.cookies?.[name];
}

export interface CookieOptions {
  maxAgeSeconds: number;
  httpOnly: boolean;
  secure: boolean;
}

/** SameSite=Lax, Path=/; Secure when the instance is served over https. */
export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  void reply.setCookie(name, value, {
    maxAge: options.maxAgeSeconds,
    path: '/',
    sameSite: 'lax',
    httpOnly: options.httpOnly,
    secure: options.secure,
  });
}

const YEAR_SECONDS = 365 * 24 * 3600;

/** This browser's CSRF token: the `csrftoken` cookie, set when it has none (Django's way). */
export function ensureCsrfCookie(req: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const existing = readCookie(req, CSRF_COOKIE);
  if (existing && /^[\w-]{32,64}$/.test(existing)) return existing;
  const token = randomUrlSafe(32);
  setCookie(reply, CSRF_COOKIE, token, { maxAgeSeconds: YEAR_SECONDS, httpOnly: false, secure });
  return token;
}
