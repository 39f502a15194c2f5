/**
 * Who may change a chat's assignee and how (seed 002): anyone may take a chat nobody has and give
 * up their own; admins assign and clear anything. Rule engines assign as nobody (`done_by` null),
 * to a user, or to a group by round robin (the next member in turn also becomes the user) or
 * letting the group decide (the group only).
 */
import { Injectable } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { PageWindow } from '../http/pagination';
import { IdentityService } from '../identity/identity.service';
import { InboxUser } from '../persistence/entities';
import type { ChatScope } from '../permissions/permissions';
import { GROUPS } from '../users/user.presenter';
import { AssignmentPresenter } from './assignment-presenter';
import { Assignment, AssignmentChange, AssignmentStore } from './assignment-store';

const WA_ID = /^\d{1,20}$/;
export type GroupAssignMethod = 'round_robin' | 'let_group_decide';
export const GROUP_ASSIGN_METHODS: GroupAssignMethod[] = ['round_robin', 'let_group_decide'];

type Field = 'assigned_to_user' | 'assigned_group';

function readId(raw: unknown, field: Field, errors: Record<string, string[]>): number | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === null || raw === '') return null;
  const id = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id >= 2 ** 31)
    return void (errors[field] = ['A valid integer is required.']);
  return id;
}

@Injectable()
export class AssignmentService {
  constructor(
    private readonly store: AssignmentStore,
    private readonly presenter: AssignmentPresenter,
    private readonly identity: IdentityService,
  ) {}

  async get(waId: string): Promise<Assignment> {
    const found = WA_ID.test(waId) ? await this.store.get(waId) : undefined;
    if (!found) throw new DrfError(404, { detail: 'Not found.' });
    return found;
  }

  /** PUT (fields left out are cleared) or PATCH (fields left out stay) by an inbox user. */
  async change(user: InboxUser, waId: string, body: unknown, partial: boolean): Promise<Assignment> {
    const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const errors: Record<string, string[]> = {};
    const userId = readId(input.assigned_to_user, 'assigned_to_user', errors);
    const groupId = readId(input.assigned_group, 'assigned_group', errors);
    if (userId && !(await this.assignable(userId)))
      errors.assigned_to_user = [`Invalid pk "${userId}" - object does not exist.`];
    if (groupId && !GROUPS.some((g) => g.id === groupId))
      errors.assigned_group = [`Invalid pk "${groupId}" - object does not exist.`];
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    const change = await this.store.assign(
      WA_ID.test(waId) ? waId : '',
      (current) => {
        const next = {
          wa_id: current.wa_id,
          assigned_to_user: userId === undefined ? (partial ? current.assigned_to_user : null) : userId,
          assigned_group: groupId === undefined ? (partial ? current.assigned_group : null) : groupId,
        };
        if (user.role !== 'admin') mayChangeUser(user, current, next);
        return next;
      },
      user.id,
      this.presenter.forChange,
    );
    if (!change) throw new DrfError(404, { detail: 'Not found.' });
    return change.after;
  }

  /** A rule engine's decision for a chat. Undefined when the chat or the group's members are missing. */
  async applyRule(
    waId: string,
    target: { user?: number; group?: number; method?: GroupAssignMethod },
  ): Promise<AssignmentChange | undefined> {
    let userId = target.user ?? null;
    const groupId = target.group ?? null;
    if (groupId !== null && !GROUPS.some((g) => g.id === groupId)) return undefined;
    if (groupId !== null && target.method === 'round_robin') {
      const group = GROUPS.find((g) => g.id === groupId);
      userId = group ? ((await this.store.nextInTurn(group.id, group.role)) ?? null) : null;
    }
    if (userId !== null && !(await this.assignable(userId))) return undefined;
    return this.store.assign(
      waId,
      (current) => ({
        wa_id: current.wa_id,
        // Letting the group decide leaves the user blank, so the group's members can take the chat.
        assigned_to_user: groupId !== null && target.method !== 'round_robin' ? null : userId,
        assigned_group: groupId ?? (userId !== null ? null : current.assigned_group),
      }),
      null,
      this.presenter.forChange,
    );
  }

  events(filters: { waId?: string; since?: number; before?: number; scope: ChatScope }, window: PageWindow) {
    return this.store.events(filters, window.limit, window.offset);
  }

  /**
   * Why a rule engine's assignment cannot be applied, in the API's terms (an unknown user or group
   * is refused there too), or null. Checked before anything is recorded.
   */
  async ruleRefusal(target: { user?: number; group?: number }): Promise<string | null> {
    if (target.group !== undefined && !GROUPS.some((g) => g.id === target.group))
      return `group ${target.group} does not exist`;
    if (target.user !== undefined && !(await this.assignable(target.user)))
      return `user ${target.user} does not exist or cannot be assigned chats`;
    return null;
  }

  lastChangeAt(waId: string): Promise<Date | null> {
    return this.store.lastChangeAt(waId);
  }

  /** An active human or app user (never the configurator) may be given chats. */
  async assignable(userId: number): Promise<boolean> {
    const [found] = await this.identity.usersByIds([userId]);
    return !!found && found.isActive && !found.isConfigurator;
  }
}

/** Seed 002: a non-admin assigns a user only to a chat nobody has, and clears only their own. */
function mayChangeUser(user: InboxUser, current: Assignment, next: Assignment): void {
  if (next.assigned_to_user === current.assigned_to_user) return;
  if (next.assigned_to_user !== null && current.assigned_to_user !== null)
    throw new DrfError(403, { detail: 'This chat is assigned already: only an admin may reassign it.' });
  if (next.assigned_to_user === null && current.assigned_to_user !== user.id)
    throw new DrfError(403, { detail: 'Only the assignee or an admin may clear this assignment.' });
}
