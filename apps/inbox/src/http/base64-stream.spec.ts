import { Base64Stream, NotBase64 } from './base64-stream';

/** Feeds `text` in pieces of `size` characters and returns all bytes. */
function decode(text: string, size: number): { data: Buffer; type: string | null } {
  const stream = new Base64Stream();
  const parts: Buffer[] = [];
  for (let at = 0; at < text.length; at += size) parts.push(stream.push(text.slice(at, at + size)));
  parts.push(stream.end());
  return { data: Buffer.concat(parts), type: stream.declaredType };
}

describe('base64 decoded as it arrives', () => {
  const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 37) % 256));
  const encoded = bytes.toString('base64');

  it.each([1, 2, 3, 4, 5, 7, 64, 4096])('gives the same bytes in pieces of %i characters', (size) => {
    expect(decode(encoded, size).data.equals(bytes)).toBe(true);
    expect(decode(`data:image/png;base64,${encoded}`, size)).toEqual({ data: bytes, type: 'image/png' });
  });

  it('skips whitespace and takes unpadded text', () => {
    expect(decode('aGVs\nbG8g d29y\r\nbGQ', 3).data.toString()).toBe('hello world');
    expect(decode('aGVsbG8=', 8).data.toString()).toBe('hello');
    expect(decode('', 1).data.length).toBe(0);
  });

  it.each([
    ['not base64 at all!'],
    ['aGVsbG8=aGVs'],
    ['aGVsb==='],
    ['aGVsb'],
    ['data:image/png;base64'],
    ['data:image/png,aGVsbG8='],
  ])('refuses %s', (text) => {
    expect(() => decode(text, 3)).toThrow(NotBase64);
  });
});
