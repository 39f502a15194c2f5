import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, api } from '../src/api/client';
import type { CurrentUser, User } from '../src/api/types';
import { ownership } from '../src/conversation/ownership';

const user = (id: number, first_name = '', role = 'regular'): CurrentUser => ({
  id,
  username: `user${id}`,
  first_name,
  last_name: first_name ? 'Lima' : '',
  profile: { role },
});

describe('who handles a chat', () => {
  const ana = user(1, 'Ana');
  const ben: User = user(2);
  const admin = user(3, 'Ada', 'admin');

  it('lets anyone take a chat no user has, and the assignee release it', () => {
    expect(ownership({ assigned_to_user: null, assigned_group: null }, ana)).toEqual({
      label: 'Not assigned',
      action: 'take',
    });
    expect(
      ownership({ assigned_to_user: null, assigned_group: { id: 2, name: 'Regular user' } }, ana),
    ).toEqual({
      label: 'Assigned to the Regular user group',
      action: 'take',
    });
    expect(ownership({ assigned_to_user: ana, assigned_group: null }, ana)).toEqual({
      label: 'Assigned to you',
      action: 'release',
    });
  });

  it("names someone else's chat; only an admin may take it from them", () => {
    expect(ownership({ assigned_to_user: ana, assigned_group: null }, user(2))).toEqual({
      label: 'Assigned to Ana Lima',
      action: null,
    });
    expect(ownership({ assigned_to_user: ben, assigned_group: null }, admin)).toEqual({
      label: 'Assigned to user2', // no name: the username
      action: 'take',
    });
  });
});

describe('API errors', () => {
  const storage = () => {
    const values = new Map<string, string>();
    return {
      getItem: (k: string) => values.get(k) ?? null,
      setItem: (k: string, v: string) => void values.set(k, v),
      removeItem: (k: string) => void values.delete(k),
    };
  };
  const answering = (status: number, body: unknown) => {
    const local = storage();
    local.setItem('inbox.token', 'a-token');
    const loggedOut = vi.fn();
    vi.stubGlobal('localStorage', local);
    vi.stubGlobal('sessionStorage', storage());
    vi.stubGlobal('window', { dispatchEvent: loggedOut });
    vi.stubGlobal('fetch', () => Promise.resolve(new Response(JSON.stringify(body), { status })));
    return { local, loggedOut };
  };
  afterEach(() => vi.unstubAllGlobals());

  it('keeps the session on a 403 (one action refused by permissions) and says why', async () => {
    const { local, loggedOut } = answering(403, { detail: 'You may only write to chats assigned to you.' });
    await expect(api('/api/v1/messages/')).rejects.toEqual(
      new ApiError(403, { detail: 'You may only write to chats assigned to you.' }),
    );
    expect(local.getItem('inbox.token')).toBe('a-token');
    expect(loggedOut).not.toHaveBeenCalled();
  });

  it('ends the session on a 401 (the token no longer works)', async () => {
    const { local, loggedOut } = answering(401, { detail: 'Invalid token.' });
    await expect(api('/api/v1/chats/')).rejects.toBeInstanceOf(ApiError);
    expect(local.getItem('inbox.token')).toBeNull();
    expect(loggedOut).toHaveBeenCalledTimes(1);
  });
});
