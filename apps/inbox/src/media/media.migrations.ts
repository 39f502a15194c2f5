import type { Migration } from '../persistence/migrations';

/** Files received from customers and uploaded by users, kept in the tenant's own database. */
export const MEDIA_MIGRATIONS: Migration[] = [
  {
    name: '0003-media',
    statements: [
      // `id` is random (UUIDv4): links to it are capabilities (docs/inbox.md, "Media links").
      // A received file's bytes are fetched from the provider on first download; an uploaded
      // file's provider id is obtained on first send.
      `CREATE TABLE media (
        id uuid PRIMARY KEY,
        provider_media_id text,
        mime_type text NOT NULL,
        sha256 text,
        filename text,
        data bytea,
        uploaded_by int REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`,
      // Uncompressed out-of-line storage: substring() reads a range without reading the rest.
      `ALTER TABLE media ALTER COLUMN data SET STORAGE EXTERNAL`,
    ],
  },
];
