import type { Migration } from '../persistence/migrations';

/** Seed 002's saved responses: the web inbox's quick replies, shared by the team. */
export const SAVED_RESPONSE_MIGRATIONS: Migration[] = [
  {
    name: '0008-saved-responses',
    statements: [
      `CREATE TABLE saved_responses (
         id bigserial PRIMARY KEY,
         text text NOT NULL,
         created_by text NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now())`,
    ],
  },
];
