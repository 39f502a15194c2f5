import type { Migration } from '../persistence/migrations';

/**
 * Seed 002's chat assignment: a chat's user and group (groups are the fixed role groups), the
 * history of changes, and where each group's round robin stands.
 */
export const ASSIGNMENT_MIGRATIONS: Migration[] = [
  {
    name: '0012-assignment',
    statements: [
      `ALTER TABLE contacts
         ADD COLUMN assigned_user_id int REFERENCES users (id) ON DELETE SET NULL,
         ADD COLUMN assigned_group_id int`,
      `CREATE INDEX contacts_assigned_user_idx ON contacts (assigned_user_id) WHERE assigned_user_id IS NOT NULL`,
      `CREATE INDEX contacts_assigned_group_idx ON contacts (assigned_group_id) WHERE assigned_group_id IS NOT NULL`,
      `CREATE TABLE chat_assignment_events (
         id bigserial PRIMARY KEY,
         timestamp bigint NOT NULL,
         customer_wa_id text NOT NULL,
         user_set int REFERENCES users (id) ON DELETE SET NULL,
         user_cleared boolean NOT NULL,
         group_set int,
         group_cleared boolean NOT NULL,
         done_by int REFERENCES users (id) ON DELETE SET NULL)`,
      `CREATE INDEX chat_assignment_events_chat_idx ON chat_assignment_events (customer_wa_id, timestamp, id)`,
      `CREATE TABLE round_robin (group_id int PRIMARY KEY, last_user_id int NOT NULL)`,
    ],
  },
];
