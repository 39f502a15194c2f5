import type { FastifyRequest } from 'fastify';

/**
 * DRF-style `next`/`previous` links for limit/offset pagination. The origin is the configured
 * PUBLIC_API_URL, never the request's Host or X-Forwarded-* headers (a client could make the links
 * point anywhere, and a malformed Host made them throw); path and query are the request's own.
 */
export function pageLinks(
  publicApiUrl: string,
  request: FastifyRequest,
  count: number,
  limit: number,
  offset: number,
) {
  const at = request.url.indexOf('?');
  const query = new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1));
  const path = request.routeOptions.url ?? '/';
  const link = (newOffset: number) => {
    const url = new URL(`${publicApiUrl.replace(/\/+$/, '')}${path}`);
    query.forEach((value, key) => url.searchParams.set(key, value));
    url.searchParams.set('limit', String(limit));
    if (newOffset > 0) url.searchParams.set('offset', String(newOffset));
    else url.searchParams.delete('offset');
    return url.toString();
  };
  return {
    next: offset + limit < count ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
  };
}
