/**
 * Values the property tests mix into every field (issue 21): text PostgreSQL cannot store (NUL,
 * unpaired surrogates), integers past every column's range, JSON nested past the parsers' limit,
 * and ids that are none of those things.
 */
import fc from 'fast-check';

/** `{"a": {"a": ...}}` `depth` levels deep. */
export const nested = (depth: number): unknown => (depth <= 1 ? 'leaf' : { a: nested(depth - 1) });

export const hostileText = fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfff', '😀\ud800', '\udc00😀');
export const hostileNumber = fc.constantFrom(2147483648, -2147483649, 2 ** 53 + 2, 1e308, -0, 0.5);
export const hostileJson = fc.constantFrom(nested(10), nested(64), nested(70), { '\u0000': 1 }, ['\ud800']);
export const hostileValue = fc.oneof(hostileText, hostileNumber, hostileJson);
/** Path ids: past `integer` and `bigint`, negative, encoded NUL and surrogate, traversal. */
export const hostileId = fc.constantFrom(
  '2147483648',
  '99999999999999999999',
  '-1',
  '0',
  '1.5',
  '%00',
  '%ED%A0%80',
  '..%2F..',
);
