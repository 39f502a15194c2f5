/**
 * A read scope (seed 002's can_read_chats) as SQL, so that every list that reveals a chat is
 * filtered in the query that pages it (a page filtered afterwards would be short and its count wrong).
 */
import type { ChatScope } from './permissions';

/** Adds a statement's condition with its one value; `?` stands for the value's placeholder. */
export type AddCondition = (sql: string, value: unknown) => void;

/** The condition on a chat row aliased `c` (contacts), its value added with `add`. */
export function scopeCondition(scope: ChatScope | undefined, add: AddCondition): void {
  if (!scope || scope.kind === 'all') return;
  if (scope.kind === 'none') return add('c.wa_id = ? AND false', '');
  if (scope.groupId === undefined) return add('c.assigned_user_id = ?', scope.userId);
  add('(c.assigned_user_id = ? OR c.assigned_group_id = ' + String(scope.groupId) + ')', scope.userId);
}

/** The condition on a row whose chat is in `column` (e.g. `customer_wa_id`), for tables other than contacts. */
export function scopeOfChatColumn(scope: ChatScope | undefined, column: string, add: AddCondition): void {
  scopeCondition(scope, (sql, value) =>
    add(`${column} IN (SELECT c.wa_id FROM contacts c WHERE ${sql})`, value),
  );
}

/** `AND <condition>` on `column` for a statement whose values are `params` (its value appended), or ''. */
export function scopeClause(scope: ChatScope | undefined, column: string, params: unknown[]): string {
  let clause = '';
  scopeOfChatColumn(scope, column, (sql, value) => {
    params.push(value);
    clause = `AND ${sql.replace('?', `$${params.length}`)}`;
  });
  return clause;
}
