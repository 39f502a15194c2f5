import { Injectable } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { IdentityService } from '../identity/identity.service';
import { InboxUser } from '../persistence/entities';
import { GROUPS, presentUser } from '../users/user.presenter';
import type { AssignmentChange, AssignmentEventRow } from './assignment-store';

export const groupOf = (id: number | null) => {
  const group = GROUPS.find((g) => g.id === id);
  return group ? { id: group.id, name: group.name } : null;
};

/** Seed 002's ChatAssignmentEvent: the same shape in the list, webhooks and the websocket. */
@Injectable()
export class AssignmentPresenter {
  constructor(
    private readonly config: BootstrapEnv,
    private readonly identity: IdentityService,
  ) {}

  private async users(ids: (number | null)[]): Promise<Map<number, InboxUser>> {
    const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
    return new Map((await this.identity.usersByIds(wanted)).map((u) => [u.id, u]));
  }

  private present(row: AssignmentEventRow, users: Map<number, InboxUser>) {
    const user = (id: number | null) => {
      const found = id === null ? undefined : users.get(id);
      return found ? presentUser(this.config.PUBLIC_URL, found) : null;
    };
    return {
      timestamp: Number(row.timestamp),
      wa_id: row.customer_wa_id,
      assigned_to_user_set: user(row.user_set),
      assigned_to_user_was_cleared: row.user_cleared,
      assigned_group_set: groupOf(row.group_set),
      assigned_group_was_cleared: row.group_cleared,
      done_by: user(row.done_by),
    };
  }

  /** A change being made, as its event (`done_by` null: the rule engine made it). */
  readonly forChange = async (change: AssignmentChange) => {
    const row = eventRow(change);
    return this.present(row, await this.users([row.user_set, row.done_by]));
  };

  async presentRows(rows: AssignmentEventRow[]) {
    const users = await this.users(rows.flatMap((r) => [r.user_set, r.done_by]));
    return rows.map((r) => this.present(r, users));
  }
}

/** What the history keeps of a change. */
export function eventRow(change: AssignmentChange): AssignmentEventRow {
  const { before, after } = change;
  return {
    timestamp: String(change.timestamp),
    customer_wa_id: change.waId,
    user_set: after.assigned_to_user !== before.assigned_to_user ? after.assigned_to_user : null,
    user_cleared: before.assigned_to_user !== null && after.assigned_to_user === null,
    group_set: after.assigned_group !== before.assigned_group ? after.assigned_group : null,
    group_cleared: before.assigned_group !== null && after.assigned_group === null,
    done_by: change.doneBy,
  };
}
