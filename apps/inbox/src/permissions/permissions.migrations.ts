import type { Migration } from '../persistence/migrations';

/**
 * Seed 002's permissions, per group and per user (a user's own setting wins; a missing one
 * inherits the group's, then the built-in default).
 */
export const PERMISSION_MIGRATIONS: Migration[] = [
  {
    name: '0015-permissions',
    statements: [
      `CREATE TABLE permissions (
         subject text PRIMARY KEY,
         can_read_chats text,
         can_write_to_chats text,
         can_use_tags boolean)`,
    ],
  },
];
