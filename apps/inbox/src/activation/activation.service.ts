import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { sha256Hex } from '@app/common';
import { hashPassword } from '../identity/password-hasher';
import { passwordProblems } from '../identity/password-validators';
import { IdentityService } from '../identity/identity.service';
import { ActivationCode, InboxUser } from '../persistence/entities';

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

/** Single-use, expiring activation codes (stored as SHA-256). */
@Injectable()
export class ActivationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly identity: IdentityService,
  ) {}

  async lookup(code: string | undefined): Promise<Found | Invalid> {
    if (!code || code.length > 200) return INVALID;
    const codeSha256 = sha256Hex(code);
    const row = await this.dataSource.getRepository(ActivationCode).findOneBy({ codeSha256 });
    if (!row) return INVALID;
    if (row.usedAt) return USED;
    if (row.expiresAt.getTime() <= Date.now()) return EXPIRED;
    const user = await this.dataSource.getRepository(InboxUser).findOneBy({ id: row.userId });
    return user ? { kind: 'found', codeSha256, user } : INVALID;
  }

  /** For role `app`: activates, spends the code, answers the token. */
  async activateApp(codeSha256: string, userId: number): Promise<string> {
    await this.dataSource.transaction(async (manager) => {
      const spent = await manager.query<[unknown[], number]>(
        `UPDATE activation_codes SET used_at = now() WHERE code_sha256 = $1 AND used_at IS NULL`,
        [codeSha256],
      );
      if (spent[1] !== 1) throw new Error('activation code spent concurrently');
      await manager.update(InboxUser, { id: userId }, { isActive: true });
    });
    return this.identity.tokenFor(userId);
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
        : passwordProblems(password1, found.user);
    if (errors.length) return { kind: 'rejected', user: found.user, errors };
    const passwordHash = await hashPassword(password1);
    const spent = await this.dataSource.transaction(async (manager) => {
      const [, count] = await manager.query<[unknown[], number]>(
        `UPDATE activation_codes SET used_at = now() WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > now()`,
        [found.codeSha256],
      );
      if (count !== 1) return false;
      await manager.update(InboxUser, { id: found.user.id }, { passwordHash, isActive: true });
      return true;
    });
    return spent ? { kind: 'activated', user: { ...found.user, isActive: true } } : USED;
  }
}
