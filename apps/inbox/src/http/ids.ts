/**
 * Row ids as clients send them, in a path (`users/7/`) or a body (`{"tag": 7}`): positive integers
 * that fit the column. PostgreSQL answers "out of range" for `2147483648` in an `integer` column:
 * that was a 500; here it is the 404 or 400 of any id that does not exist.
 */
import { DrfError } from './drf-exception.filter';

/** `integer` (serial) columns: users, tags, taggings, webhooks, rules. */
export const MAX_INT = 2 ** 31 - 1;
/** `bigint` (bigserial) columns kept to what a JavaScript number holds exactly: saved responses. */
export const MAX_BIGINT = Number.MAX_SAFE_INTEGER;

/** The id as a number (from a number or decimal text), or undefined when it is not one in range. */
export function idOf(raw: unknown, max = MAX_INT): number | undefined {
  const value = typeof raw === 'string' && /^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : raw;
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= max
    ? value
    : undefined;
}

/** A path's id, or the 404 an unknown one gets. */
export function pathId(raw: string, max = MAX_INT): number {
  const id = idOf(raw, max);
  if (id === undefined) throw new DrfError(404, { detail: 'Not found.' });
  return id;
}
