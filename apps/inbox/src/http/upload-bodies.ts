/**
 * Bodies of routes that take a file (`@RouteConfig(ACCEPTS_UPLOAD)`), read as streams so that no
 * upload is ever whole in memory: a multipart file part (busboy) or a JSON string field of base64
 * (stream-json's tokens, decoded piece by piece) goes to a SpoolWriter, the other fields are
 * small and kept. Every problem is a 4xx in DRF's shape; a spool is removed on any failure.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MAX_JSON_DEPTH } from '@app/common/http/json-body';
import { Base64Stream, NotBase64 } from './base64-stream';
import { DrfError } from './drf-exception.filter';
import { MULTIPART_LIMITS } from './multipart-fields';
import { SpoolWriter, SpooledFile } from './upload-spool';

/** Longest text field of an upload (a filename, a MIME type) in characters. */
const MAX_FIELD_CHARS = 1024;

type UploadBody = Record<string, unknown>;

const parseError = (what: string, message: string) => new DrfError(400, `${what} parse error - ${message}`);

/** Waits for one write to be taken (backpressure), rejecting with the spool's error. */
const write = (spool: SpoolWriter, bytes: Buffer) =>
  new Promise<void>((resolve, reject) => {
    if (!bytes.length) return resolve();
    spool.write(bytes, (error) => (error ? reject(error) : resolve()));
  });

const finish = (spool: SpoolWriter) =>
  new Promise<void>((resolve, reject) => {
    spool.once('error', reject);
    spool.end(() => resolve());
  });

/** `multipart/form-data`: its fields, and its one file part as a SpooledFile. */
export async function streamMultipartUpload(
  headers: IncomingHttpHeaders,
  payload: Readable,
  maxFileBytes: number,
): Promise<UploadBody> {
  const { default: busboy } = await import('busboy');
  const spools: SpoolWriter[] = [];
  try {
    return await new Promise<UploadBody>((resolve, reject) => {
      const parser = busboy({
        headers,
        // The spool refuses a file past maxFileBytes; busboy only cuts one off beyond that.
        limits: { ...MULTIPART_LIMITS, files: 1, fileSize: maxFileBytes + 1 },
        defParamCharset: 'utf8',
      });
      const fields = Object.create(null) as UploadBody;
      let file: Promise<void> = Promise.resolve();
      const fail = (error: Error) => {
        payload.unpipe(parser);
        payload.resume(); // read and drop the rest, so the 4xx can be answered
        reject(error instanceof DrfError ? error : parseError('Multipart form', error.message));
      };
      parser.on('field', (name, value, info) => {
        if (info.nameTruncated || info.valueTruncated)
          fail(new DrfError(413, `Multipart form too large: field "${name}".`));
        else fields[name] = value;
      });
      parser.on('file', (name, stream, info) => {
        const spool = new SpoolWriter(maxFileBytes);
        spools.push(spool);
        file = pipeline(stream, spool).then(() => {
          fields[name] = spool.spooled(info.mimeType, info.filename ?? null);
        });
        file.catch(fail);
      });
      parser.on('filesLimit', () =>
        fail(new DrfError(413, 'Multipart form too large: one file per request.')),
      );
      parser.on('partsLimit', () => fail(new DrfError(413, 'Multipart form too large: too many parts.')));
      parser.on('fieldsLimit', () => fail(new DrfError(413, 'Multipart form too large: too many fields.')));
      parser.on('error', (error: Error) => fail(error));
      parser.on('close', () => void file.then(() => resolve(fields), fail));
      payload.on('error', fail);
      payload.pipe(parser);
    });
  } catch (error) {
    for (const spool of spools) {
      spool.destroy();
      spool.discard(); // a part finished before the failure too
    }
    throw error;
  }
}

/**
 * `application/json`: a top-level object whose `fileField` is base64 text (a `data:` URL too),
 * decoded into a SpooledFile as it streams; other top-level strings, numbers, booleans and nulls
 * are kept (an object or a list as a field is kept as `{}`: no field of an upload is one).
 */
export async function streamJsonUpload(
  payload: Readable,
  fileField: string,
  maxFileBytes: number,
): Promise<UploadBody> {
  const { default: Parser } = await import('stream-json/Parser');
  const tokens = payload.pipe(
    new Parser({
      packKeys: true,
      streamKeys: false,
      packStrings: false,
      streamStrings: true,
      packNumbers: true,
      streamNumbers: false,
    }),
  );
  payload.on('error', (error) => tokens.destroy(error));
  const reader = new JsonUploadReader(fileField, maxFileBytes);
  try {
    for await (const token of tokens as AsyncIterable<Token>) await reader.take(token);
    return reader.body;
  } catch (error) {
    reader.discard();
    if (error instanceof NotBase64) throw new DrfError(400, { [fileField]: ['Not valid base64.'] });
    if (error instanceof DrfError) throw error;
    throw parseError('JSON', (error as Error).message);
  }
}

type Token = { name: string; value?: string };

/** stream-json's tokens, one at a time, into an upload's body. */
class JsonUploadReader {
  readonly body = Object.create(null) as UploadBody;
  private depth = 0;
  private started = false;
  private key?: string;
  private text?: string;
  private file?: { spool: SpoolWriter; base64: Base64Stream };

  constructor(
    private readonly fileField: string,
    private readonly maxFileBytes: number,
  ) {}

  async take(token: Token): Promise<void> {
    if (!this.started && token.name !== 'startObject')
      throw new DrfError(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] });
    this.started = true;
    switch (token.name) {
      case 'startObject':
      case 'startArray':
        return this.open();
      case 'endObject':
      case 'endArray':
        this.depth--;
        return;
      case 'keyValue':
        if (this.depth === 1) this.key = token.value;
        return;
      case 'startString':
        return this.startString();
      case 'stringChunk':
        return this.chunk(token.value!);
      case 'endString':
        return this.endString();
      default:
        if (this.depth === 1 && this.key !== undefined) this.body[this.key] = scalar(token);
    }
  }

  discard(): void {
    this.file?.spool.destroy();
    for (const value of Object.values(this.body)) if (value instanceof SpooledFile) value.remove();
  }

  private open(): void {
    if (++this.depth > MAX_JSON_DEPTH)
      throw parseError('JSON', `nesting deeper than ${MAX_JSON_DEPTH} levels`);
    if (this.depth === 2 && this.key !== undefined) this.body[this.key] = {};
  }

  private startString(): void {
    if (this.depth !== 1 || this.key === undefined) return;
    if (this.key === this.fileField)
      this.file = { spool: new SpoolWriter(this.maxFileBytes), base64: new Base64Stream() };
    else this.text = '';
  }

  private async chunk(value: string): Promise<void> {
    if (this.file) return write(this.file.spool, this.file.base64.push(value));
    if (this.text === undefined) return;
    this.text += value;
    if (this.text.length > MAX_FIELD_CHARS)
      throw new DrfError(400, {
        [this.key!]: [`Ensure this field has no more than ${MAX_FIELD_CHARS} characters.`],
      });
  }

  private async endString(): Promise<void> {
    if (this.file) {
      const { spool, base64 } = this.file;
      await write(spool, base64.end());
      await finish(spool);
      this.body[this.key!] = spool.spooled(base64.declaredType);
      this.file = undefined;
    } else if (this.text !== undefined) {
      this.body[this.key!] = this.text;
      this.text = undefined;
    }
  }
}

function scalar(token: Token): unknown {
  if (token.name === 'numberValue') return Number(token.value);
  if (token.name === 'trueValue') return true;
  if (token.name === 'falseValue') return false;
  return null;
}
