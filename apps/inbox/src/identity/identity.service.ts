/**
 * Who is calling: API tokens (DRF's `Authorization: Token <40 hex>`), web sessions (cookie), and
 * the credentials behind them. Tokens and session ids are looked up by SHA-256; a token is also
 * kept encrypted with SECRET_KEY so `/auth/token/` can answer the same token while it exists.
 */
import { Injectable } from '@nestjs/common';
import { randomHex, randomUrlSafe, sha256Hex } from '@app/common/crypto/hashing';
import { BootstrapEnv } from '@app/bootstrap';
import { InboxUser, USER_COLUMNS, UserRow, toUser } from '../persistence/entities';
import { InboxDb } from '../persistence/inbox-db';
import { verifyPassword } from './password-hasher';
import { TokenCipher } from './token-cipher';

@Injectable()
export class IdentityService {
  constructor(
    private readonly db: InboxDb,
    private readonly secrets: TokenCipher,
    private readonly config: BootstrapEnv,
  ) {}

  /** The active user with these credentials, or null. Same answer for a wrong user or password. */
  async checkPassword(username: string, password: string): Promise<InboxUser | null> {
    const [row] = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = $1`, [
      username,
    ]);
    const ok = await verifyPassword(password, row?.password_hash ?? null);
    return ok && row?.is_active ? toUser(row) : null;
  }

  /** The user's token: the existing one, or a new 40-hex token. */
  async tokenFor(userId: number): Promise<string> {
    const [existing] = await this.db.query<{ key_enc: string | null }>(
      `SELECT key_enc FROM auth_tokens WHERE user_id = $1`,
      [userId],
    );
    if (existing?.key_enc) return this.secrets.decrypt(existing.key_enc);
    const token = randomHex(20);
    await this.db.query(
      `INSERT INTO auth_tokens (user_id, key_sha256, key_enc) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET key_sha256 = EXCLUDED.key_sha256, key_enc = EXCLUDED.key_enc, created_at = now()`,
      [userId, sha256Hex(token), this.secrets.encrypt(token)],
    );
    return token;
  }

  async userForToken(token: string): Promise<InboxUser | null> {
    const [row] = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS.replace(/(\w+)/g, 'u.$1')} FROM auth_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.key_sha256 = $1 AND u.is_active`,
      [sha256Hex(token)],
    );
    return row ? toUser(row) : null;
  }

  /** Users by id, active or not (authors of messages and events). */
  async usersByIds(ids: number[]): Promise<InboxUser[]> {
    if (!ids.length) return [];
    const rows = await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY($1::int[])`, [
      ids,
    ]);
    return rows.map(toUser);
  }

  /** Everyone who can be given chats: active users, never the configurator. */
  async assignableUsers(): Promise<InboxUser[]> {
    const rows = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE is_active AND NOT is_configurator ORDER BY id`,
    );
    return rows.map(toUser);
  }

  /** Seed 002's provider authorization: the first admin (the owner, activated or not), never the configurator. */
  async firstAdmin(): Promise<InboxUser | null> {
    const [row] = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users WHERE role = 'admin' AND NOT is_configurator ORDER BY id LIMIT 1`,
    );
    return row ? toUser(row) : null;
  }

  async startSession(userId: number): Promise<string> {
    const sessionId = randomUrlSafe(32);
    await this.db.query(
      `INSERT INTO sessions (id_sha256, user_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
      [sha256Hex(sessionId), userId, this.config.SESSION_TTL_SECONDS],
    );
    return sessionId;
  }

  /** Sessions never belong to the configurator: it is an API-only service account. */
  async userForSession(sessionId: string): Promise<InboxUser | null> {
    const [row] = await this.db.query<UserRow>(
      `SELECT ${USER_COLUMNS.replace(/(\w+)/g, 'u.$1')} FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id_sha256 = $1 AND s.expires_at > now() AND u.is_active AND NOT u.is_configurator`,
      [sha256Hex(sessionId)],
    );
    return row ? toUser(row) : null;
  }

  async endSession(sessionId: string): Promise<void> {
    await this.db.query(`DELETE FROM sessions WHERE id_sha256 = $1`, [sha256Hex(sessionId)]);
  }
}
