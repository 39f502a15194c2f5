import { ValidateBy } from 'class-validator';

const NOT_IN_URL = String.raw`\s\x00-\x1f\x7f`;
const H16 = '[0-9A-Fa-f]{1,4}';
const OCTET = String.raw`(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)`;
const LS32 = String.raw`(?:${H16}:${H16}|${OCTET}(?:\.${OCTET}){3})`;
const before = (n: number) => (n < 0 ? '' : `(?:(?:${H16}:){0,${n}}${H16})?`);
/** RFC 3986's IPv6address, one alternative per position of the `::`. */
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `${before(0)}::(?:${H16}:){4}${LS32}`,
  `${before(1)}::(?:${H16}:){3}${LS32}`,
  `${before(2)}::(?:${H16}:){2}${LS32}`,
  `${before(3)}::${H16}:${LS32}`,
  `${before(4)}::${LS32}`,
  `${before(5)}::${H16}`,
  `${before(6)}::`,
].join('|');
const NAME = String.raw`[A-Za-z0-9_~!$&'()*+,;=-]`;
const SYMBOL = String.raw`_~!$&'()*+,;=-`;
/**
 * The last label of a host name, never a number: WHATWG URL reads a last label of digits (`123`)
 * or `0x` and hex digits (`0x1f`) as an IPv4 address and refuses the URL when it is not one.
 * Written without lookahead: generators (schemathesis) draw from this pattern.
 */
const LAST_LABEL = [
  String.raw`[A-Za-z${SYMBOL}]${NAME}*`, // starts with no digit
  String.raw`[0-9]+[A-Wa-wYyZz${SYMBOL}]${NAME}*`, // digits, then a letter that is no x
  String.raw`(?:[0-9]{2,}|[1-9])[xX]${NAME}*`, // digits then x, but not the 0x prefix
  String.raw`0[xX][0-9A-Fa-f]*[G-Zg-z${SYMBOL}]${NAME}*`, // 0x, hex digits, then no hex digit
].join('|');
/** A host: a dotted IPv4 address, a bracketed IPv6 address, or a name (RFC 3986 reg-name without percent-encoding). */
const HOST = String.raw`(?:${OCTET}(?:\.${OCTET}){3}|\[(?:${IPV6})\]|(?:${NAME}+\.)*(?:${LAST_LABEL})\.?)`;
const PORT = String.raw`(?::(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|\d{1,4}))?`;

/**
 * An absolute http(s) URL: a host (no brackets except around an IPv6 address: a stray `[` once
 * crashed a client parsing our answers), an optional port, then anything but whitespace and control
 * characters (a NUL byte once reached PostgreSQL and came back as a 500). Also the OpenAPI pattern.
 */
export const HTTP_URL_PATTERN = new RegExp(
  String.raw`^https?://(?:[^${NOT_IN_URL}/?#@\[\]\\]*@)?${HOST}${PORT}(?:[/?#][^${NOT_IN_URL}]*)?$`,
);

/** The pattern, and a WHATWG URL parser (what delivery uses) that accepts it with an http(s) host. */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || !HTTP_URL_PATTERN.test(value)) return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

export const IsHttpUrl = (): PropertyDecorator =>
  ValidateBy({
    // Reported like any pattern mismatch (the OpenAPI document states the pattern).
    name: 'matches',
    validator: {
      validate: isHttpUrl,
      defaultMessage: () => 'URL should be an absolute http:// or https:// URL',
    },
  });
