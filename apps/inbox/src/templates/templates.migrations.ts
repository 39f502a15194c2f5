import type { Migration } from '../persistence/migrations';

/** The provider's message templates, cached (they change rarely; listing them is a provider call). */
export const TEMPLATE_MIGRATIONS: Migration[] = [
  {
    name: '0004-templates',
    statements: [
      `CREATE TABLE templates_cache (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        templates jsonb NOT NULL,
        fetched_at timestamptz NOT NULL DEFAULT now()
      )`,
    ],
  },
];
