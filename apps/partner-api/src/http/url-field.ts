import { Matches } from 'class-validator';

/**
 * An absolute http(s) URL with no whitespace or control characters anywhere (a NUL byte once
 * reached PostgreSQL and came back as a 500).
 */
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
export const HTTP_URL_PATTERN = /^https?:\/\/[^\s\x00-\x1f\x7f/?#]+[^\s\x00-\x1f\x7f]*$/i;

export const IsHttpUrl = (): PropertyDecorator =>
  Matches(HTTP_URL_PATTERN, { message: 'URL should be an absolute http:// or https:// URL' });
