/** The token in local storage (seed 002: token auth); a 401 ends the session with a reason. */
const KEY = 'inbox.token';
const REASON = 'inbox.logout-reason';

export const session = {
  token: (): string | null => localStorage.getItem(KEY),
  start(token: string): void {
    localStorage.setItem(KEY, token);
    sessionStorage.removeItem(REASON);
  },
  end(reason?: string): void {
    localStorage.removeItem(KEY);
    if (reason) sessionStorage.setItem(REASON, reason);
    else sessionStorage.removeItem(REASON);
  },
  /** Why the last session ended, once. */
  takeReason(): string | null {
    const reason = sessionStorage.getItem(REASON);
    sessionStorage.removeItem(REASON);
    return reason;
  },
};
