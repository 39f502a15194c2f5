/** The sandbox's `POST /media` body: multipart with one `file` part, parsed by busboy. */
import busboy from 'busboy';
import type { IncomingHttpHeaders } from 'node:http';
import { MAX_MEDIA_BYTES, ProviderError } from './sandbox-provider';

export interface UploadedFile {
  data: Buffer;
  mimeType: string;
  filename?: string;
}

export function readUpload(headers: IncomingHttpHeaders, body: Buffer): Promise<UploadedFile | undefined> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers, limits: { files: 1, fileSize: MAX_MEDIA_BYTES, fields: 10, parts: 11 } });
    } catch {
      return reject(new ProviderError(400, '(#100) expected multipart/form-data'));
    }
    let file: UploadedFile | undefined;
    let fields: Record<string, string> = {};
    parser.on('field', (name, value) => (fields = { ...fields, [name]: value }));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('close', () => {
        if (name === 'file')
          file = {
            data: Buffer.concat(chunks),
            mimeType: fields.type || info.mimeType,
            filename: info.filename,
          };
      });
    });
    parser.on('error', () => reject(new ProviderError(400, '(#100) malformed multipart body')));
    parser.on('close', () => resolve(file && fields.type ? { ...file, mimeType: fields.type } : file));
    parser.end(body);
  });
}
