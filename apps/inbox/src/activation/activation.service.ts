import { Injectable } from '@nestjs/common';
import { sha256Hex } from '@app/common/crypto/hashing';
import { hashPassword } from '../identity/password-hasher';
import { passwordProblems } from '../identity/password-validators';
import { IdentityService } from '../identity/identity.service';
import { InboxUser, USER_COLUMNS, UserRow, toUser } from '../persistence/entities';
import { InboxDb } from '../persistence/inbox-db';

export type Invalid = { kind: 'invalid'; status: number; title: string; message: string };
type Found = { kind: 'found'; codeSha256: string; user: InboxUser };

const INVALID: Invalid = {
  kind: 'invalid',
  status: 404,
  title: 'Invalid activation link',
  message:
    'This activation link is not valid. Check that you copied the whole link, or ask your administrator for a new one.',
};
const USED: Invalid = {
  kind: 'invalid',
  status: 410,
  title: 'Link already used',
  message: 'This activation link has already been used. Log in with the password you chose.',
};
const EXPIRED: Invalid = {
  kind: 'invalid',
  status: 410,
  title: 'Link expired',
  message: 'This activation link has expired. Ask your administrator for a new one.',
};

/** Spends a code once: the UPDATE only matches an unused, unexpired code. */
const SPEND = `UPDATE activation_codes SET used_at = now() WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > now()`;

/** Single-use, expiring activation codes (stored as SHA-256). */
@Injectable()
export class ActivationService {
  constructor(
    private readonly db: InboxDb,
    private readonly identity: IdentityService,
  ) {}

  async lookup(code: string | undefined): Promise<Found | Invalid> {
    if (!code || code.length > 200) return INVALID;
    const codeSha256 = sha256Hex(code);
    const [row] = await this.db.query<UserRow & { used: boolean; expired: boolean }>(
      `SELECT ${USER_COLUMNS.replace(/(\w+)/g, 'u.$1')}, a.used_at IS NOT NULL AS used, a.expires_at <= now() AS expired
         FROM activation_codes a JOIN users u ON u.id = a.user_id WHERE a.code_sha256 = $1`,
      [codeSha256],
    );
    if (!row) return INVALID;
    if (row.used) return USED;
    if (row.expired) return EXPIRED;
    return { kind: 'found', codeSha256, user: toUser(row) };
  }

  /** For role `app`: activates, spends the code, answers the token. */
  async activateApp(codeSha256: string, userId: number): Promise<string | Invalid> {
    const spent = await this.db.transaction(async (tx) => {
      if ((await tx.query(SPEND, [codeSha256])).rowCount !== 1) return false;
      await tx.query(`UPDATE users SET is_active = true, updated_at = now() WHERE id = $1`, [userId]);
      return true;
    });
    return spent ? this.identity.tokenFor(userId) : USED;
  }

  /** Sets the password and spends the code atomically; a second submit of the same link finds it used. */
  async activateWithPassword(
    code: string | undefined,
    password1: string,
    password2: string,
  ): Promise<
    Invalid | { kind: 'rejected'; user: InboxUser; errors: string[] } | { kind: 'activated'; user: InboxUser }
  > {
    const found = await this.lookup(code);
    if (found.kind === 'invalid') return found;
    const errors =
      password1 !== password2
        ? ["The two password fields didn't match."]
        : await passwordProblems(password1, found.user);
    if (errors.length) return { kind: 'rejected', user: found.user, errors };
    const passwordHash = await hashPassword(password1);
    const spent = await this.db.transaction(async (tx) => {
      if ((await tx.query(SPEND, [found.codeSha256])).rowCount !== 1) return false;
      await tx.query(
        `UPDATE users SET password_hash = $2, is_active = true, updated_at = now() WHERE id = $1`,
        [found.user.id, passwordHash],
      );
      return true;
    });
    return spent ? { kind: 'activated', user: { ...found.user, isActive: true } } : USED;
  }
}
