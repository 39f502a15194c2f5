/**
 * An uploaded file on its way to the database, kept in a temporary file instead of memory: the
 * request streams into it (its SHA-256, size and first bytes computed on the way), the store
 * streams out of it, and it is deleted when the request ends. Memory per upload is a few stream
 * buffers whatever the file's size (a 16 MiB base64 upload held ~80 MiB before).
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { DrfError } from './drf-exception.filter';

/** Enough of a file's start for content sniffing (magic bytes). */
const HEAD_BYTES = 4100;

export class SpooledFile {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly sha256: string,
    readonly head: Buffer,
    /** What the multipart part declared (type, name); null for a JSON or form upload. */
    readonly partType: string | null,
    readonly partFilename: string | null,
  ) {}

  remove(): void {
    rmSync(this.path, { force: true });
  }
}

const PREFIX = 'inbox-upload-';
/** Older than any upload can take: a spool this old was left by a process that was killed. */
const STALE_MS = 3_600_000;

/** Removes spools that killed processes left behind (at boot; live ones of other instances are young). */
export function removeStaleSpools(now = Date.now()): number {
  let removed = 0;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const path = join(tmpdir(), name);
    try {
      if (now - statSync(path).mtimeMs < STALE_MS) continue;
      rmSync(path, { force: true });
      removed++;
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}

export const isSpooledFile = (value: unknown): value is SpooledFile => value instanceof SpooledFile;

/** Bytes written to a temporary file (mode 0600), refused past `maxBytes` with a 413. */
export class SpoolWriter extends Writable {
  readonly path = join(tmpdir(), `${PREFIX}${randomUUID()}`);
  private readonly file = createWriteStream(this.path, { mode: 0o600 });
  private readonly hash = createHash('sha256');
  private readonly headChunks: Buffer[] = [];
  private headSize = 0;
  private size = 0;
  private complete = false;

  constructor(private readonly maxBytes: number) {
    super();
    this.file.on('error', (error) => this.destroy(error));
    // Its errors reach the reader through write callbacks and pipeline(); an 'error' event with
    // no listener would end the process (a 17 MB base64 upload did).
    this.on('error', () => undefined);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes)
      return callback(
        new DrfError(413, { detail: `The file is larger than ${this.maxBytes / 1024 / 1024} MB.` }),
      );
    this.hash.update(chunk);
    if (this.headSize < HEAD_BYTES) {
      this.headChunks.push(chunk.subarray(0, HEAD_BYTES - this.headSize));
      this.headSize += Math.min(chunk.length, HEAD_BYTES - this.headSize);
    }
    if (this.file.write(chunk)) callback();
    else this.file.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.file.end(() => {
      this.complete = true;
      callback();
    });
  }

  /** Also called after a normal finish (autoDestroy): the file stays then, for spooled(). */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.file.destroy();
    if (error || !this.complete) this.discard();
    callback(error);
  }

  /** The finished file (call after the stream finished). */
  spooled(partType: string | null = null, partFilename: string | null = null): SpooledFile {
    return new SpooledFile(
      this.path,
      this.size,
      this.hash.digest('hex'),
      Buffer.concat(this.headChunks),
      partType,
      partFilename,
    );
  }

  discard(): void {
    rmSync(this.path, { force: true });
  }
}
