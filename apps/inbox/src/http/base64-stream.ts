/**
 * Base64 text decoded as it arrives, in pieces of any length (a JSON string streamed by
 * stream-json): whitespace is skipped, a leading `data:<type>;base64,` is read off, and anything
 * that is not base64 (a character outside the alphabet, text after the padding, a length that
 * cannot be) is refused as a whole. Memory: the last three characters of a piece.
 */

const DATA_PREFIX = 'data:';
const MAX_PREFIX = 256;
const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(?:;[\w-]+=[\w.-]+)*;base64,$/;
const ALPHABET = /^[A-Za-z0-9+/]*$/;

export class NotBase64 extends Error {}

export class Base64Stream {
  /** The type a `data:` URL declared, if it was one. */
  declaredType: string | null = null;
  private prefix: string | null = '';
  private carry = '';
  private padded = false;
  private padding = 0;

  /** The bytes that the text so far completes (its last 0-3 characters wait for the next piece). */
  push(piece: string): Buffer {
    let text = piece.replace(/\s+/g, '');
    if (this.prefix !== null) {
      const seen = this.prefix + text;
      if (DATA_PREFIX.startsWith(seen.slice(0, DATA_PREFIX.length)) && seen.length < DATA_PREFIX.length) {
        this.prefix = seen; // too short to tell yet
        return Buffer.alloc(0);
      }
      if (seen.startsWith(DATA_PREFIX)) {
        const comma = seen.indexOf(',');
        if (comma < 0) {
          if (seen.length > MAX_PREFIX)
            throw new NotBase64('the data: URL has no ",base64," within 256 characters');
          this.prefix = seen;
          return Buffer.alloc(0);
        }
        const match = DATA_URL.exec(seen.slice(0, comma + 1));
        if (!match) throw new NotBase64('not a base64 data: URL');
        this.declaredType = match[1]?.toLowerCase() ?? null;
        text = seen.slice(comma + 1);
      } else text = seen;
      this.prefix = null;
    }
    return this.decode(text);
  }

  /** The last bytes; throws when the whole was not base64. */
  end(): Buffer {
    if (this.prefix !== null) {
      const rest = this.prefix;
      this.prefix = null;
      return Buffer.concat([this.decode(rest), this.end()]);
    }
    const total = this.carry.length + this.padding;
    if (total % 4 === 1) throw new NotBase64('the length is not one base64 can have');
    const last = this.carry;
    this.carry = '';
    return Buffer.from(last, 'base64');
  }

  private decode(text: string): Buffer {
    if (this.padded) {
      // Only more padding may follow the first "=" (a piece may end between two of them).
      if (!/^=*$/.test(text)) throw new NotBase64('text after the padding');
      this.padding += text.length;
      if (this.padding > 2) throw new NotBase64('more than two padding characters');
      return Buffer.alloc(0);
    }
    const pad = text.indexOf('=');
    const body = pad >= 0 ? text.slice(0, pad) : text;
    if (pad >= 0) {
      const before = this.decode(body);
      this.padded = true;
      return Buffer.concat([before, this.decode(text.slice(pad))]);
    }
    if (!ALPHABET.test(body)) throw new NotBase64('a character outside the base64 alphabet');
    const all = this.carry + body;
    const whole = all.length - (all.length % 4);
    this.carry = all.slice(whole);
    return Buffer.from(all.slice(0, whole), 'base64');
  }
}
