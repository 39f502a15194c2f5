/** Saved responses in the tenant database (seed 002's SavedResponse shape on the way out). */
import { Injectable } from '@nestjs/common';
import { InboxDb } from '../persistence/inbox-db';

export interface SavedResponse {
  id: number;
  text: string;
  created_by: string;
  timestamp: number;
}

const COLUMNS = `id::int AS id, text, created_by, extract(epoch FROM created_at)::int AS timestamp`;

@Injectable()
export class SavedResponsesStore {
  constructor(private readonly db: InboxDb) {}

  async list(limit: number, offset: number): Promise<{ count: number; results: SavedResponse[] }> {
    const [{ count }] = await this.db.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM saved_responses`,
    );
    const results = await this.db.query<SavedResponse>(
      `SELECT ${COLUMNS} FROM saved_responses ORDER BY id DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return { count, results };
  }

  async find(id: number): Promise<SavedResponse | undefined> {
    const [row] = await this.db.query<SavedResponse>(`SELECT ${COLUMNS} FROM saved_responses WHERE id = $1`, [
      id,
    ]);
    return row;
  }

  async create(text: string, createdBy: string): Promise<SavedResponse> {
    const [row] = await this.db.query<SavedResponse>(
      `INSERT INTO saved_responses (text, created_by) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [text, createdBy],
    );
    return row;
  }

  async remove(id: number): Promise<void> {
    await this.db.query(`DELETE FROM saved_responses WHERE id = $1`, [id]);
  }
}
