import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

export const sha256Hex = (value: string | Buffer): string => createHash('sha256').update(value).digest('hex');

/** URL-safe random string with `bytes` bytes of entropy. */
export const randomUrlSafe = (bytes: number): string => randomBytes(bytes).toString('base64url');

/** Random lowercase hex string with `bytes` bytes of entropy. */
export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Instance ids: 32 lowercase hex characters (a v4 UUID without dashes). */
export const newInstanceId = (): string => randomUUID().replace(/-/g, '');

export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
