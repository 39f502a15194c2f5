/** The media feature's SQL (a received file's row is written by the ingest, `inbox_ingest`). */
import { Injectable } from '@nestjs/common';
import { InboxDb } from '../persistence/inbox-db';

export interface MediaRow {
  id: string;
  provider_media_id: string | null;
  mime_type: string;
  sha256: string | null;
  filename: string | null;
  /** Bytes stored here; null while a received file has not been fetched from the provider. */
  size: number | null;
}

const COLUMNS = `id, provider_media_id, mime_type, sha256, filename, octet_length(data) AS size`;

@Injectable()
export class MediaStore {
  constructor(private readonly db: InboxDb) {}

  async recordUpload(file: {
    id: string;
    mimeType: string;
    sha256: string;
    filename: string | null;
    data: Buffer;
    uploadedBy: number;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO media (id, mime_type, sha256, filename, data, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6)`,
      [file.id, file.mimeType, file.sha256, file.filename, file.data, file.uploadedBy],
    );
  }

  async find(id: string): Promise<MediaRow | null> {
    const [row] = await this.db.query<MediaRow>(`SELECT ${COLUMNS} FROM media WHERE id = $1`, [id]);
    return row ? { ...row, size: row.size === null ? null : Number(row.size) } : null;
  }

  /** Keeps a fetched file (the first of two concurrent fetches wins; the bytes are the same). */
  async storeFetched(id: string, data: Buffer, mimeType: string, sha256: string): Promise<void> {
    await this.db.query(
      `UPDATE media SET data = $2, mime_type = $3, sha256 = COALESCE(sha256, $4) WHERE id = $1 AND data IS NULL`,
      [id, data, mimeType, sha256],
    );
  }

  async setProviderId(id: string, providerId: string): Promise<void> {
    await this.db.query(`UPDATE media SET provider_media_id = $2 WHERE id = $1`, [id, providerId]);
  }

  /** `length` bytes from `offset` (0-based), without reading the rest (EXTERNAL storage). */
  async chunk(id: string, offset: number, length: number): Promise<Buffer> {
    const [row] = await this.db.query<{ part: Buffer }>(
      `SELECT substring(data FROM $2::int FOR $3::int) AS part FROM media WHERE id = $1`,
      [id, offset + 1, length],
    );
    return row?.part ?? Buffer.alloc(0);
  }

  async data(id: string): Promise<Buffer | null> {
    const [row] = await this.db.query<{ data: Buffer | null }>(`SELECT data FROM media WHERE id = $1`, [id]);
    return row?.data ?? null;
  }
}
