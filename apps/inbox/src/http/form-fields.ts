/**
 * Reading fields of a parsed body (JSON, form-urlencoded or multipart) or of a query string, where
 * any value may arrive as a number, an object, an array (a repeated field) or a file: anything but
 * text is the client's mistake, a 400, never a 500 further down.
 */
import { DrfError } from './drf-exception.filter';

/** The field's text; undefined when absent; a 400 naming the field when it is not text. */
export function textField(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new DrfError(400, { [name]: ['Not a valid string.'] });
  return value;
}

/** A query parameter given once; repeated (`?c=a&c=b`) or absent is undefined. */
export function singleQueryValue(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
