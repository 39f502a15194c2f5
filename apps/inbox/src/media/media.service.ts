import { Injectable } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { BootstrapEnv } from '@app/bootstrap';
import { MAX_UPLOAD_BYTES } from '../http/body-parsers';
import { DrfError } from '../http/drf-exception.filter';
import { isSpooledFile, SpooledFile } from '../http/upload-spool';
import { InboxUser } from '../persistence/entities';
import { Dialog360Client, ProviderRefused, ProviderUnavailable } from '../provider/waba-client';
import { MediaRow, MediaStore } from './media-store';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(?:;[\w-]+=[\w.-]+)*;base64,/;
const MIME = /^[\w.+-]{1,64}\/[\w.+-]{1,64}$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What `POST media/` accepted: the bytes (spooled, or small enough to be in memory) and their description. */
interface Upload {
  data: SpooledFile | Buffer;
  declaredType: string | null;
  filename: string | null;
}

const MB = 1024 * 1024;

/**
 * WhatsApp's size limits by kind (Cloud API media reference), whatever the upload's encoding:
 * images 5 MB, stickers (WebP) 500 KB, audio and video 16 MB; documents may be 100 MB there and
 * are 16 MB here (MAX_UPLOAD_BYTES: the instance's database holds every file).
 */
export function maxBytesFor(mimeType: string): { bytes: number; kind: string } {
  // (A sticker's limit is 500 KB; every other one a whole number of MB.)
  if (mimeType === 'image/webp') return { bytes: 500 * 1024, kind: 'stickers' };
  if (mimeType.startsWith('image/')) return { bytes: 5 * MB, kind: 'images' };
  if (mimeType.startsWith('audio/')) return { bytes: 16 * MB, kind: 'audio' };
  if (mimeType.startsWith('video/')) return { bytes: 16 * MB, kind: 'video' };
  return { bytes: MAX_UPLOAD_BYTES, kind: 'documents' };
}

@Injectable()
export class MediaService {
  constructor(
    private readonly store: MediaStore,
    private readonly client: Dialog360Client,
    private readonly config: BootstrapEnv,
  ) {}

  link(id: string): string {
    return `${this.config.PUBLIC_URL}/api/v1/media/${id}/`;
  }

  /**
   * Seed 002's upload: `file_encoded` as base64 text (JSON or form; a `data:` URL too) or as a
   * multipart file part. The type is the declared one (`mime_type`, our addition, or the part's
   * or data URL's), else sniffed from the bytes.
   */
  async upload(user: InboxUser, body: Record<string, unknown>) {
    const upload = readUpload(body);
    const spooled = isSpooledFile(upload.data) ? upload.data : undefined;
    try {
      // Loaded on the first upload: an instance that never uploads never holds its signature tables.
      const { filetypemime } = await import('magic-bytes.js');
      const head = spooled ? spooled.head : (upload.data as Buffer);
      const mimeType = upload.declaredType ?? filetypemime(head)[0] ?? 'application/octet-stream';
      const size = spooled ? spooled.size : (upload.data as Buffer).length;
      checkSize(size, mimeType);
      const sha = spooled ? spooled.sha256 : sha256(upload.data as Buffer);
      const id = randomUUID();
      await this.store.recordUpload(
        { id, mimeType, sha256: sha, filename: upload.filename, uploadedBy: user.id },
        spooled
          ? createReadStream(spooled.path, { highWaterMark: 16 * 1024 })
          : Readable.from([upload.data as Buffer]),
      );
      return { file: this.link(id), id, mime_type: mimeType, sha256: sha, size };
    } finally {
      spooled?.remove();
    }
  }

  /** The file's description with its bytes stored here: a received file is fetched from the provider once. */
  async open(id: string): Promise<MediaRow & { size: number }> {
    const row = UUID.test(id) ? await this.store.find(id) : null;
    if (!row) throw new DrfError(404, 'Not found.');
    if (row.size !== null) return { ...row, size: row.size };
    if (!row.provider_media_id) throw new DrfError(404, 'Not found.');
    let file;
    try {
      file = await this.client.downloadMedia(row.provider_media_id, MAX_UPLOAD_BYTES);
    } catch (error) {
      if (error instanceof ProviderRefused)
        throw new DrfError(error.status === 413 ? 413 : 404, {
          detail: 'The provider no longer has this file.',
          waba_response: error.response,
        });
      if (error instanceof ProviderUnavailable)
        throw new DrfError(503, error.message, { 'Retry-After': '30' });
      throw error;
    }
    await this.store.storeFetched(id, file.data, file.mimeType, sha256(file.data));
    return { ...row, mime_type: file.mimeType, size: file.data.length };
  }

  /**
   * The provider's id for one of our files, uploading it on first use. A link to one of our own
   * files becomes its id too (the provider cannot reach the instance's URL on every network).
   */
  async providerReference(media: Record<string, unknown>): Promise<Record<string, unknown>> {
    const ours = this.ownMediaId(media);
    if (!ours) return media;
    const row = await this.store.find(ours);
    if (!row) throw new DrfError(400, { detail: `Unknown media id ${ours}: upload it to media/ first.` });
    const { link: _link, ...rest } = media;
    if (row.provider_media_id) return { ...rest, id: row.provider_media_id };
    const data = await this.store.data(ours);
    if (!data) throw new DrfError(400, { detail: `Media ${ours} has no content yet.` });
    const providerId = await this.client.uploadMedia({
      data,
      mimeType: row.mime_type,
      filename: row.filename,
    });
    await this.store.setProviderId(ours, providerId);
    return { ...rest, id: providerId };
  }

  /** Our media id in a message's media object (`id`, or a `link` to this instance), if any. */
  ownMediaId(media: Record<string, unknown>): string | null {
    if (typeof media.id === 'string' && UUID.test(media.id)) return media.id.toLowerCase();
    const prefix = `${this.config.PUBLIC_URL}/api/v1/media/`;
    if (typeof media.link === 'string' && media.link.startsWith(prefix)) {
      const id = media.link.slice(prefix.length).replace(/\/$/, '');
      if (UUID.test(id)) return id.toLowerCase();
    }
    return null;
  }
}

function readUpload(body: Record<string, unknown>): Upload {
  const field = body.file_encoded;
  const filename = typeof body.filename === 'string' ? body.filename.slice(0, 255) : null;
  const declared = typeof body.mime_type === 'string' ? body.mime_type.toLowerCase() : null;
  if (declared !== null && !MIME.test(declared))
    throw new DrfError(400, { mime_type: ['Not a valid MIME type, e.g. image/jpeg.'] });
  if (isSpooledFile(field)) return fromSpool(field, declared, filename);
  if (field === undefined) throw new DrfError(400, { file_encoded: ['No file was submitted.'] });
  if (typeof field !== 'string')
    throw new DrfError(400, { file_encoded: ['Must be base64 text or a file part.'] });
  return fromFormField(field, declared, filename);
}

/** A spooled multipart part (its own type and name count when none was given) or JSON field (its data: URL's type). */
function fromSpool(file: SpooledFile, declared: string | null, filename: string | null): Upload {
  const partType = file.partType?.toLowerCase() ?? null;
  const usable = partType !== null && partType !== 'application/octet-stream' && MIME.test(partType);
  return {
    data: file,
    declaredType: declared ?? (usable ? partType : null),
    filename: filename ?? file.partFilename?.slice(0, 255) ?? null,
  };
}

/** A form field (at most INBOX_BODY_LIMIT): small enough to decode in memory. */
function fromFormField(field: string, declared: string | null, filename: string | null): Upload {
  const dataUrl = DATA_URL.exec(field);
  const encoded = (dataUrl ? field.slice(dataUrl[0].length) : field).replace(/\s+/g, '');
  if (!BASE64.test(encoded) || encoded.length % 4 === 1)
    throw new DrfError(400, { file_encoded: ['Not valid base64.'] });
  return {
    data: Buffer.from(encoded, 'base64'),
    declaredType: declared ?? dataUrl?.[1]?.toLowerCase() ?? null,
    filename,
  };
}

function checkSize(size: number, mimeType: string): void {
  if (size === 0) throw new DrfError(400, { file_encoded: ['The submitted file is empty.'] });
  const limit = maxBytesFor(mimeType);
  if (size > limit.bytes)
    throw new DrfError(413, {
      detail: `The file is larger than WhatsApp takes for ${limit.kind} (${mimeType}): at most ${limit.bytes < MB ? `${limit.bytes / 1024} KB` : `${limit.bytes / MB} MB`}.`,
    });
}
