import { GROUP_ASSIGN_METHODS, GroupAssignMethod } from '../assignment/assignment.service';
import { DrfError } from '../http/drf-exception.filter';
import { GROUPS } from '../users/user.presenter';
import type { Rule } from './rule-engine-store';

function optionalId(raw: unknown, name: string, errors: Record<string, string[]>): number | null {
  if (raw === undefined || raw === null || raw === '') return null;
  const id = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : raw;
  if (typeof id === 'number' && Number.isInteger(id) && id > 0 && id < 2 ** 31) return id;
  errors[name] = ['A valid integer is required.'];
  return null;
}

/**
 * A default-engine rule that can work, from the API or the admin page's form: an existing tag or
 * none, and one active user or one group with its method. DRF field errors otherwise.
 */
export async function readRule(
  input: Record<string, unknown>,
  check: { tagExists: (id: number) => Promise<boolean>; assignable: (id: number) => Promise<boolean> },
): Promise<Omit<Rule, 'id'>> {
  const errors: Record<string, string[]> = {};
  const tag = optionalId(input.tag, 'tag', errors);
  const user = optionalId(input.assign_to_user, 'assign_to_user', errors);
  const group = optionalId(input.assign_to_group, 'assign_to_group', errors);
  const method = input.group_assign_method || null;
  if (tag !== null && !(await check.tagExists(tag)))
    errors.tag = [`Invalid pk "${tag}" - object does not exist.`];
  if (user !== null && !(await check.assignable(user)))
    errors.assign_to_user = [`Invalid pk "${user}" - object does not exist.`];
  if (group !== null && !GROUPS.some((g) => g.id === group))
    errors.assign_to_group = [`Invalid pk "${group}" - object does not exist.`];
  if ((user === null) === (group === null) && !errors.assign_to_user && !errors.assign_to_group)
    errors.non_field_errors = ['Assign to a user or to a group (one of them).'];
  if (group !== null && !GROUP_ASSIGN_METHODS.includes(method as GroupAssignMethod))
    errors.group_assign_method = ['Choose round_robin or let_group_decide.'];
  if (Object.keys(errors).length) throw new DrfError(400, errors);
  return {
    tag,
    assign_to_user: user,
    assign_to_group: group,
    group_assign_method: group === null ? null : (method as GroupAssignMethod),
  };
}
