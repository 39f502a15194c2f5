/** The media feature's SQL (a received file's row is written by the ingest, `inbox_ingest`). */
import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { withCheckedOutClient } from '@app/common/database/checked-out-client';
import { InboxDb } from '../persistence/inbox-db';

/** A text field in COPY's text format: backslash, tab, newline and carriage return escaped. */
const copyText = (text: string) =>
  text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

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

  /**
   * Stores an uploaded file from a stream, never whole in memory: COPY FROM STDIN (pg-copy-streams)
   * with the bytes written as hex piece by piece; PostgreSQL assembles the value.
   */
  async recordUpload(
    file: { id: string; mimeType: string; sha256: string; filename: string | null; uploadedBy: number },
    data: Readable,
  ): Promise<void> {
    // Loaded on the first upload (the footprint of an idle instance counts: docs/inbox.md).
    const { from: copyFrom } = await import('pg-copy-streams');
    const fields = [
      file.id,
      copyText(file.mimeType),
      file.sha256,
      file.filename === null ? '\\N' : copyText(file.filename),
      String(file.uploadedBy),
    ];
    async function* row() {
      yield `${fields.join('\t')}\t\\\\x`; // the bytea's "\x" prefix, its backslash escaped for COPY
      for await (const chunk of data) yield (chunk as Buffer).toString('hex');
      yield '\n';
    }
    await withCheckedOutClient(
      this.db.pool,
      (client) =>
        pipeline(
          Readable.from(row()),
          client.query(
            copyFrom(`COPY media (id, mime_type, sha256, filename, uploaded_by, data) FROM STDIN`),
          ),
        ),
      { destroyOnError: true },
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
