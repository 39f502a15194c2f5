import type { FastifyRequest } from 'fastify';

/** DRF-style `next`/`previous` links for limit/offset pagination, built from the request's own URL. */
export function pageLinks(request: FastifyRequest, count: number, limit: number, offset: number) {
  const link = (newOffset: number) => {
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
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
