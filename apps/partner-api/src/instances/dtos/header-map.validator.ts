import { ValidationOptions, registerDecorator } from 'class-validator';

/** RFC 9110 field-name token. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}$/;
/** Visible characters and spaces only: no CR/LF, so a value can never inject another header. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\uffff]{0,4096}$/;
/** Set by the platform; a partner may not override them. */
const RESERVED = new Set([
  'content-type',
  'content-length',
  'host',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'transfer-encoding',
  'connection',
]);
export const MAX_WEBHOOK_HEADERS = 20;

export function headerMapProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return 'Input should be an object of header names to string values';
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_WEBHOOK_HEADERS) return `At most ${MAX_WEBHOOK_HEADERS} headers are allowed`;
  for (const [name, headerValue] of entries) {
    if (!HEADER_NAME.test(name)) return `"${name.slice(0, 40)}" is not a valid HTTP header name`;
    if (RESERVED.has(name.toLowerCase()))
      return `header "${name}" is set by the platform and cannot be overridden`;
    if (typeof headerValue !== 'string') return `the value of header "${name}" should be a string`;
    if (!HEADER_VALUE.test(headerValue))
      return `the value of header "${name}" contains control characters or is longer than 4096 characters`;
  }
  return undefined;
}

/** An object of HTTP header names to string values, safe to send as they are. */
export function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isHeaderMap',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => headerMapProblem(value) === undefined,
        defaultMessage: (args) => headerMapProblem(args?.value) ?? 'invalid headers',
      },
    });
}
