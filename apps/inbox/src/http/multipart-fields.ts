/**
 * `multipart/form-data` text fields, parsed by busboy from the already size-limited body. Chosen
 * over @fastify/multipart, whose @fastify/busboy fork took 215-390 ms for a 1 MiB body of
 * boundaries (busboy: 15-25 ms). Limits on parts, fields, names and sizes; file parts are
 * refused (routes that take a file stream their bodies: upload-bodies.ts).
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

/**
 * The form's fields (the last value of a repeated field wins, as in Django's QueryDict.get). A
 * file part is refused (413): routes that take files read their bodies as streams (upload-bodies.ts).
 */
export async function parseMultipartFields(
  headers: IncomingHttpHeaders,
  body: Buffer,
  limits: Limits = MULTIPART_LIMITS,
): Promise<Record<string, string>> {
  // Loaded with the first multipart request: most instances never get one (idle footprint).
  const { default: busboy } = await import('busboy');
  return new Promise((resolve, reject) => {
    let parser: Busboy;
    try {
      parser = busboy({ headers, limits, defParamCharset: 'utf8' });
    } catch (error) {
      return reject(new DrfError(400, `Multipart form parse error - ${(error as Error).message}`));
    }
    const fields = Object.create(null) as Record<string, string>;
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
    parser.on('file', (_name, stream) => {
      stream.resume();
      fail(tooLarge('file uploads are not accepted here'));
    });
    parser.on('partsLimit', () => fail(tooLarge(`more than ${limits.parts} parts`)));
    parser.on('fieldsLimit', () => fail(tooLarge(`more than ${limits.fields} fields`)));
    parser.on('filesLimit', () => fail(tooLarge('file uploads are not accepted here')));
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
