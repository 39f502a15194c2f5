import { scopeClause, scopeCondition, scopeOfChatColumn } from './chat-scope-sql';

const conditions = (fill: (add: (sql: string, value: unknown) => void) => void) => {
  const out: [string, unknown][] = [];
  fill((sql, value) => out.push([sql, value]));
  return out;
};

describe('a read scope as SQL', () => {
  it('adds nothing for all (or no scope), and a condition no row meets for none', () => {
    expect(conditions((add) => scopeCondition({ kind: 'all' }, add))).toEqual([]);
    expect(conditions((add) => scopeCondition(undefined, add))).toEqual([]);
    expect(conditions((add) => scopeCondition({ kind: 'none' }, add))).toEqual([
      ['c.wa_id = ? AND false', ''],
    ]);
  });

  it('limits to the user, or to the user and their group', () => {
    expect(conditions((add) => scopeCondition({ kind: 'assigned', userId: 7 }, add))).toEqual([
      ['c.assigned_user_id = ?', 7],
    ]);
    expect(conditions((add) => scopeCondition({ kind: 'assigned', userId: 7, groupId: 2 }, add))).toEqual([
      ['(c.assigned_user_id = ? OR c.assigned_group_id = 2)', 7],
    ]);
  });

  it('reaches other tables through their chat column', () => {
    expect(
      conditions((add) => scopeOfChatColumn({ kind: 'assigned', userId: 7 }, 'customer_wa_id', add)),
    ).toEqual([['customer_wa_id IN (SELECT c.wa_id FROM contacts c WHERE c.assigned_user_id = ?)', 7]]);
  });
});

describe('scopeClause', () => {
  it('appends its value to the statement and numbers its placeholder', () => {
    const params: unknown[] = ['a', 'b'];
    expect(scopeClause({ kind: 'assigned', userId: 9 }, 'customer_wa_id', params)).toBe(
      'AND customer_wa_id IN (SELECT c.wa_id FROM contacts c WHERE c.assigned_user_id = $3)',
    );
    expect(params).toEqual(['a', 'b', 9]);
    expect(scopeClause({ kind: 'all' }, 'customer_wa_id', params)).toBe('');
    expect(params).toHaveLength(3);
  });
});
