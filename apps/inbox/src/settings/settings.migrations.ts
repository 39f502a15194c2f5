import type { Migration } from '../persistence/migrations';

/** Settings an admin changes through the API (our addition to seed 002), one JSON value per name. */
export const SETTINGS_MIGRATIONS: Migration[] = [
  {
    name: '0005-settings',
    statements: [`CREATE TABLE instance_settings (name text PRIMARY KEY, value jsonb NOT NULL)`],
  },
];
