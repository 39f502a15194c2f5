/** Who handles a chat, in words, and what the person looking at it may do about it (seed 002's rules). */
import type { Chat, CurrentUser, User } from '../api/types';

export type OwnershipAction = 'take' | 'release' | null;

export interface Ownership {
  label: string;
  action: OwnershipAction;
}

const fullName = (user: User) => [user.first_name, user.last_name].filter(Boolean).join(' ') || user.username;

/**
 * Anyone takes a chat no user has; the assignee releases it; an admin may take it from anyone
 * (the API has the last word: a refusal is shown).
 */
export function ownership(
  chat: Pick<Chat, 'assigned_to_user' | 'assigned_group'>,
  me: CurrentUser,
): Ownership {
  const user = chat.assigned_to_user;
  const group = chat.assigned_group;
  if (user?.id === me.id) return { label: 'Assigned to you', action: 'release' };
  if (user)
    return { label: `Assigned to ${fullName(user)}`, action: me.profile.role === 'admin' ? 'take' : null };
  if (group) return { label: `Assigned to the ${group.name} group`, action: 'take' };
  return { label: 'Not assigned', action: 'take' };
}
