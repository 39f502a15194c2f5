/**
 * `multipart/form-data` text fields, parsed by busboy from the already size-limited body. Chosen
 * over @fastify/multipart, whose @fastify/busboy fork took 215-390 ms for a 1 MiB body of
 * boundaries (busboy: 15-25 ms). Limits on parts, fields, names and sizes; file parts are
 * refused except on routes that accept an upload (`media/`: one file, `fileSize` at most).
 */
import type { Busboy, Limits } from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import { DrfError } from './drf-exception.filter';

export const MULTIPART_LIMITS: Limits = {
  fieldNameSize: 100,
  fieldSize: 64 * 1024,
  fields: 50,
  files: 0,
  parts: 50,
  headerPairs: 20,
};

const tooLarge = (what: string) => new DrfError(413, `Multipart form too large: ${what}.`);

/** A file part (only on routes that accept one). */
export interface UploadedFile {
  data: Buffer;
  mimeType: string;
  filename: string | null;
}

export const isUploadedFile = (value: unknown): value is UploadedFile =>
  typeof value === 'object' && value !== null && Buffer.isBuffer((value as UploadedFile).data);

/**
 * The form's fields (the last value of a repeated field wins, as in Django's QueryDict.get); with
 * `limits.files` > 0, file parts too, as UploadedFile values.
 */
export async function parseMultipartFields(
  headers: IncomingHttpHeaders,
  body: Buffer,
  limits: Limits = MULTIPART_LIMITS,
): Promise<Record<string, string | UploadedFile>> {
  // Loaded with the first multipart request: most instances never get one (idle footprint).
  const { default: busboy } = await import('busboy');
  return new Promise((resolve, reject) => {
    let parser: Busboy;
    try {
      parser = busboy({ headers, limits, defParamCharset: 'utf8' });
    } catch (error) {
      return reject(new DrfError(400, `Multipart form parse error - ${(error as Error).message}`));
    }
    const fields = Object.create(null) as Record<string, string | UploadedFile>;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated) fail(tooLarge(`a field name is longer than ${limits.fieldNameSize} bytes`));
      else if (info.valueTruncated)
        fail(tooLarge(`field "${name}" is longer than ${limits.fieldSize} bytes`));
      else fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (!limits.files) {
        stream.resume();
        return fail(tooLarge('file uploads are not accepted here'));
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      // A body cut off inside the file ("Unexpected end of form"): without a listener it ended the process.
      stream.on('error', (error: Error) =>
        fail(new DrfError(400, `Multipart form parse error - ${error.message}`)),
      );
      stream.on('limit', () => fail(tooLarge(`the file is larger than ${limits.fileSize} bytes`)));
      stream.on('close', () => {
        fields[name] = {
          data: Buffer.concat(chunks),
          mimeType: info.mimeType,
          filename: info.filename ?? null,
        };
      });
    });
    parser.on('partsLimit', () => fail(tooLarge(`more than ${limits.parts} parts`)));
    parser.on('fieldsLimit', () => fail(tooLarge(`more than ${limits.fields} fields`)));
    parser.on('filesLimit', () =>
      fail(tooLarge(limits.files ? 'one file per request' : 'file uploads are not accepted here')),
    );
    parser.on('error', (error: Error) =>
      fail(new DrfError(400, `Multipart form parse error - ${error.message}`)),
    );
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      resolve(fields);
    });
    parser.end(body);
  });
}
