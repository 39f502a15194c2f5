import { InboxUser, Role } from '../persistence/entities';

export const GROUPS: { id: number; name: string; role: Role }[] = [
  { id: 1, name: 'Admin', role: 'admin' },
  { id: 2, name: 'Regular user', role: 'user' },
  { id: 3, name: 'App integration', role: 'app' },
];

/** Seed 002's user payload; `permissions` as set for the user when known (users/current/ and users/{id}/). */
export function presentUser(
  publicUrl: string,
  user: InboxUser,
  permissions?: { can_use_tags: boolean; can_read_chats: string; can_write_to_chats: string },
) {
  const group = GROUPS.find((g) => g.role === user.role)!;
  const messaging = user.isConfigurator ? 'none' : 'all';
  return {
    url: `${publicUrl}/api/v1/users/${user.id}/`,
    id: user.id,
    username: user.username,
    first_name: user.firstName,
    last_name: user.lastName,
    email: user.email,
    profile: { role: user.role },
    groups: [{ id: group.id, name: group.name }],
    permissions: permissions ?? {
      can_use_tags: true,
      can_read_chats: messaging,
      can_write_to_chats: messaging,
    },
  };
}
