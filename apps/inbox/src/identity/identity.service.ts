/**
 * Who is calling: API tokens (DRF's `Authorization: Token <40 hex>`), web sessions (cookie), and
 * the credentials behind them. Tokens and session ids are looked up by SHA-256; a token is also
 * kept encrypted with SECRET_KEY so `/auth/token/` can answer the same token while it exists.
 */
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SecretBox, randomHex, randomUrlSafe, sha256Hex } from '@app/common';
import { InboxConfig } from '../config/inbox-config';
import { AuthToken, InboxUser, WebSession } from '../persistence/entities';
import { verifyPassword } from './password-hasher';

@Injectable()
export class IdentityService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly secrets: SecretBox,
    private readonly config: InboxConfig,
  ) {}

  /** The active user with these credentials, or null. Same answer for a wrong user or password. */
  async checkPassword(username: string, password: string): Promise<InboxUser | null> {
    const user = await this.dataSource.getRepository(InboxUser).findOneBy({ username });
    const ok = await verifyPassword(password, user?.passwordHash ?? null);
    return ok && user?.isActive ? user : null;
  }

  /** The user's token: the existing one, or a new 40-hex token. */
  async tokenFor(userId: number): Promise<string> {
    const repo = this.dataSource.getRepository(AuthToken);
    const existing = await repo.findOneBy({ userId });
    if (existing?.keyEnc) return this.secrets.decrypt(existing.keyEnc);
    const token = randomHex(20);
    await repo.upsert({ userId, keySha256: sha256Hex(token), keyEnc: this.secrets.encrypt(token) }, [
      'userId',
    ]);
    return token;
  }

  async userForToken(token: string): Promise<InboxUser | null> {
    const rows = await this.dataSource.query<{ user_id: number }[]>(
      `SELECT t.user_id FROM auth_tokens t JOIN users u ON u.id = t.user_id WHERE t.key_sha256 = $1 AND u.is_active`,
      [sha256Hex(token)],
    );
    return rows[0] ? this.dataSource.getRepository(InboxUser).findOneBy({ id: rows[0].user_id }) : null;
  }

  async startSession(userId: number): Promise<string> {
    const sessionId = randomUrlSafe(32);
    await this.dataSource.getRepository(WebSession).insert({
      idSha256: sha256Hex(sessionId),
      userId,
      expiresAt: new Date(Date.now() + this.config.SESSION_TTL_SECONDS * 1000),
    });
    return sessionId;
  }

  async userForSession(sessionId: string): Promise<InboxUser | null> {
    const rows = await this.dataSource.query<{ user_id: number }[]>(
      `SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id_sha256 = $1 AND s.expires_at > now() AND u.is_active AND NOT u.is_configurator`,
      [sha256Hex(sessionId)],
    );
    return rows[0] ? this.dataSource.getRepository(InboxUser).findOneBy({ id: rows[0].user_id }) : null;
  }

  async endSession(sessionId: string): Promise<void> {
    await this.dataSource.getRepository(WebSession).delete({ idSha256: sha256Hex(sessionId) });
  }
}
