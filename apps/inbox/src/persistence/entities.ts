/** The instance's own records. Plain types: the inbox talks to PostgreSQL with pg directly (docs/inbox.md). */

export const ROLES = ['admin', 'user', 'app'] as const;
export type Role = (typeof ROLES)[number];
/** Roles that take one of MAX_NUMBER_OF_SEATS; app users and the configurator take none. */
export const SEAT_ROLES: readonly Role[] = ['admin', 'user'];

export interface InboxUser {
  id: number;
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  /** A service account: admin rights on the API except messaging, never a web session. */
  isConfigurator: boolean;
  isActive: boolean;
  passwordHash: string | null;
}

export interface UserRow {
  id: number;
  username: string;
  email: string;
  first_name: string;
  last_name: string;
  role: Role;
  is_configurator: boolean;
  is_active: boolean;
  password_hash: string | null;
}

export const USER_COLUMNS =
  'id, username, email, first_name, last_name, role, is_configurator, is_active, password_hash';

export const toUser = (r: UserRow): InboxUser => ({
  id: r.id,
  username: r.username,
  email: r.email,
  firstName: r.first_name,
  lastName: r.last_name,
  role: r.role,
  isConfigurator: r.is_configurator,
  isActive: r.is_active,
  passwordHash: r.password_hash,
});
