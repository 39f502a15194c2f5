/**
 * DRF's limit/offset pagination: `{count, next, previous, results}` with absolute links built from
 * PUBLIC_URL (never from request headers), keeping the request's other query parameters.
 */
import { DrfError } from './drf-exception.filter';
import { singleQueryValue } from './form-fields';

export interface PageWindow {
  limit: number;
  offset: number;
}

const MAX_LIMIT = 1000;

export function pageWindow(query: Record<string, unknown>, defaultLimit = 100): PageWindow {
  const number = (name: string, fallback: number, min: number, max: number) => {
    const raw = singleQueryValue(query[name]);
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,10}$/.test(raw)) throw new DrfError(400, { [name]: ['A valid integer is required.'] });
    return Math.min(Math.max(Number(raw), min), max);
  };
  return { limit: number('limit', defaultLimit, 1, MAX_LIMIT), offset: number('offset', 0, 0, 1e9) };
}

export function pageLinks(
  publicUrl: string,
  path: string,
  query: Record<string, unknown>,
  { limit, offset }: PageWindow,
  count: number,
): { next: string | null; previous: string | null } {
  const link = (at: number) => {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (name !== 'limit' && name !== 'offset' && typeof value === 'string') params.set(name, value);
    }
    params.set('limit', String(limit));
    if (at > 0) params.set('offset', String(at));
    return `${publicUrl}${path}?${params.toString()}`;
  };
  return {
    next: offset + limit < count ? link(offset + limit) : null,
    previous: offset > 0 ? link(Math.max(0, offset - limit)) : null,
  };
}
