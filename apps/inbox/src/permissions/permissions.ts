/**
 * Seed 002's permissions: which chats a user may read and write (`all`; `group`: chats assigned to
 * them or to their group; `user`: chats assigned to them; `none`) and whether they may tag.
 * Admins read and write everything, whatever is set.
 */
import { Injectable } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { InboxDb } from '../persistence/inbox-db';
import { InboxUser } from '../persistence/entities';
import { GROUPS } from '../users/user.presenter';

export const CHAT_ACCESS = ['all', 'group', 'user', 'none'] as const;
export type ChatAccess = (typeof CHAT_ACCESS)[number];

export interface Permissions {
  can_read_chats: ChatAccess;
  can_write_to_chats: ChatAccess;
  can_use_tags: boolean;
}

/** What a setting may leave out (null: inherit). */
export type PermissionSetting = { [K in keyof Permissions]: Permissions[K] | null };

/** Until an admin says otherwise, every user reads, writes and tags every chat (the inbox as before). */
export const DEFAULT_PERMISSIONS: Permissions = {
  can_read_chats: 'all',
  can_write_to_chats: 'all',
  can_use_tags: true,
};

/** Which chats a user reaches: every chat, those assigned to them (or also to their group), or none. */
export type ChatScope =
  { kind: 'all' } | { kind: 'none' } | { kind: 'assigned'; userId: number; groupId?: number };

/** A chat's assignment, as a permission check needs it. */
export interface ChatAssignee {
  assigned_user_id: number | null;
  assigned_group_id: number | null;
}

export const groupOfRole = (user: InboxUser) => GROUPS.find((g) => g.role === user.role)!;
const subjectOfGroup = (id: number) => `group:${id}`;
const subjectOfUser = (id: number) => `user:${id}`;

@Injectable()
export class PermissionsService {
  constructor(private readonly db: InboxDb) {}

  private async settings(subjects: string[]): Promise<Map<string, PermissionSetting>> {
    const rows = await this.db.query<PermissionSetting & { subject: string }>(
      `SELECT subject, can_read_chats, can_write_to_chats, can_use_tags FROM permissions WHERE subject = ANY($1::text[])`,
      [subjects],
    );
    return new Map(rows.map(({ subject, ...setting }) => [subject, setting]));
  }

  /** What the user may do: their own setting, else their group's, else the default. */
  async of(user: InboxUser): Promise<Permissions> {
    if (user.isConfigurator)
      return { can_read_chats: 'none', can_write_to_chats: 'none', can_use_tags: false };
    if (user.role === 'admin') return DEFAULT_PERMISSIONS;
    const group = subjectOfGroup(groupOfRole(user).id);
    const settings = await this.settings([subjectOfUser(user.id), group]);
    const own = settings.get(subjectOfUser(user.id));
    const inherited = settings.get(group);
    const pick = <K extends keyof Permissions>(key: K): Permissions[K] =>
      own?.[key] ?? inherited?.[key] ?? DEFAULT_PERMISSIONS[key];
    return {
      can_read_chats: pick('can_read_chats'),
      can_write_to_chats: pick('can_write_to_chats'),
      can_use_tags: pick('can_use_tags'),
    };
  }

  scope(user: InboxUser, access: ChatAccess): ChatScope {
    if (access === 'all') return { kind: 'all' };
    if (access === 'none') return { kind: 'none' };
    return {
      kind: 'assigned',
      userId: user.id,
      groupId: access === 'group' ? groupOfRole(user).id : undefined,
    };
  }

  async readScope(user: InboxUser): Promise<ChatScope> {
    return this.scope(user, (await this.of(user)).can_read_chats);
  }

  static reaches(scope: ChatScope, chat: ChatAssignee | undefined): boolean {
    if (scope.kind === 'all') return true;
    if (scope.kind === 'none' || !chat) return false;
    return (
      chat.assigned_user_id === scope.userId ||
      (scope.groupId !== undefined && chat.assigned_group_id === scope.groupId)
    );
  }

  /** 404 (as if absent) when the chat is out of the user's reading reach. */
  async mayRead(user: InboxUser, chat: ChatAssignee | undefined): Promise<void> {
    if (!PermissionsService.reaches(await this.readScope(user), chat))
      throw new DrfError(404, { detail: 'Not found.' });
  }

  /** The same by the chat's WhatsApp id (a chat that does not exist is out of reach). */
  async mayReadChat(user: InboxUser, waId: string): Promise<void> {
    if ((await this.readScope(user)).kind === 'all') return;
    const [chat] = await this.db.query<ChatAssignee>(
      `SELECT assigned_user_id, assigned_group_id FROM contacts WHERE wa_id = $1`,
      [waId],
    );
    await this.mayRead(user, chat);
  }

  /** 403 naming the rule when the user may not write to the chat (a new chat needs `all`). */
  async mayWrite(user: InboxUser, chat: ChatAssignee | undefined): Promise<void> {
    const access = (await this.of(user)).can_write_to_chats;
    if (access === 'all' || PermissionsService.reaches(this.scope(user, access), chat)) return;
    throw new DrfError(403, {
      detail:
        access === 'none'
          ? 'You may not write to chats.'
          : `You may only write to chats assigned to you${access === 'group' ? ' or to your group' : ''}.`,
    });
  }

  async mayTag(user: InboxUser): Promise<void> {
    if (!(await this.of(user)).can_use_tags) throw new DrfError(403, { detail: 'You may not use tags.' });
  }

  async list() {
    const rows = await this.db.query<PermissionSetting & { subject: string }>(
      `SELECT subject, can_read_chats, can_write_to_chats, can_use_tags FROM permissions ORDER BY subject`,
    );
    const bySubject = new Map(rows.map(({ subject, ...s }) => [subject, s]));
    return {
      defaults: DEFAULT_PERMISSIONS,
      groups: GROUPS.map((g) => ({
        id: g.id,
        name: g.name,
        ...(bySubject.get(subjectOfGroup(g.id)) ?? empty()),
      })),
      users: rows
        .filter((r) => r.subject.startsWith('user:'))
        .map(({ subject, ...s }) => ({ user: Number(subject.slice(5)), ...s })),
    };
  }

  async set(subject: { group: number } | { user: number }, setting: PermissionSetting): Promise<void> {
    const key = 'group' in subject ? subjectOfGroup(subject.group) : subjectOfUser(subject.user);
    await this.db.query(
      `INSERT INTO permissions (subject, can_read_chats, can_write_to_chats, can_use_tags) VALUES ($1, $2, $3, $4)
       ON CONFLICT (subject) DO UPDATE SET can_read_chats = $2, can_write_to_chats = $3, can_use_tags = $4`,
      [key, setting.can_read_chats, setting.can_write_to_chats, setting.can_use_tags],
    );
  }
}

const empty = (): PermissionSetting => ({
  can_read_chats: null,
  can_write_to_chats: null,
  can_use_tags: null,
});
