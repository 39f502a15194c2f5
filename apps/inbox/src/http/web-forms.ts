/**
 * What the instance's own HTML pages share: the double-submit CSRF check (the `csrftoken` cookie
 * equals the form's `csrfmiddlewaretoken`, Django's way), its refusal page, and HTML answers that
 * are never cached.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '@app/common/crypto/hashing';
import { errorPage } from '../activation/pages';
import { CSRF_COOKIE, readCookie } from './cookies';
import { textField } from './form-fields';

export function csrfOk(req: FastifyRequest, form: unknown): boolean {
  const cookie = readCookie(req, CSRF_COOKIE);
  const field = textField(form, 'csrfmiddlewaretoken');
  return Boolean(cookie && field && safeEqual(cookie, field));
}

export function sendHtml(reply: FastifyReply, status: number, page: string) {
  return reply
    .status(status)
    .header('Content-Type', 'text/html; charset=utf-8')
    .header('Cache-Control', 'no-store')
    .send(page);
}

export function csrfFailure(reply: FastifyReply) {
  return sendHtml(
    reply,
    403,
    errorPage('Forbidden', 'CSRF verification failed. Reload the page and submit the form again.'),
  );
}
