/** All of the templates feature's SQL: one cached list, replaced whole. */
import { Injectable } from '@nestjs/common';
import { InboxDb } from '../persistence/inbox-db';
import type { ProviderTemplate } from '../provider/waba-client';

@Injectable()
export class TemplatesStore {
  constructor(private readonly db: InboxDb) {}

  async cached(): Promise<{ templates: ProviderTemplate[]; ageSeconds: number } | null> {
    const [row] = await this.db.query<{ templates: ProviderTemplate[]; age: number }>(
      `SELECT templates, EXTRACT(EPOCH FROM now() - fetched_at)::float AS age FROM templates_cache`,
    );
    return row ? { templates: row.templates, ageSeconds: Number(row.age) } : null;
  }

  async replace(templates: ProviderTemplate[]): Promise<void> {
    await this.db.query(
      `INSERT INTO templates_cache (singleton, templates, fetched_at) VALUES (true, $1, now())
       ON CONFLICT (singleton) DO UPDATE SET templates = EXCLUDED.templates, fetched_at = now()`,
      [JSON.stringify(templates)],
    );
  }

  async forget(): Promise<void> {
    await this.db.query(`DELETE FROM templates_cache`);
  }
}
