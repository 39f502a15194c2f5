/**
 * Users of this instance: creation (with a one-time activation URL), updates, passwords, and the
 * seat limit. Field errors use DRF's shape `{"field": ["message"]}` with status 400.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { sha256Hex } from '@app/common/crypto/hashing';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { hashPassword } from '../identity/password-hasher';
import { passwordProblems } from '../identity/password-validators';
import { InboxUser, Role, SEAT_ROLES, USER_COLUMNS, UserRow, toUser } from '../persistence/entities';
import { InboxDb, Queryable } from '../persistence/inbox-db';
import { UserFields, UserInput, parseUserInput } from './user-input';

export type { UserInput };
const SEATS_LOCK = 727_004;
const COLUMN_OF: Record<keyof UserFields, string> = {
  username: 'username',
  firstName: 'first_name',
  lastName: 'last_name',
  email: 'email',
  role: 'role',
};

@Injectable()
export class UsersService {
  constructor(
    private readonly db: InboxDb,
    private readonly config: BootstrapEnv,
  ) {}

  async list(limit: number, offset: number): Promise<[InboxUser[], number]> {
    const rows = await this.db.query<UserRow & { total: number }>(
      `SELECT ${USER_COLUMNS}, count(*) OVER ()::int AS total FROM users ORDER BY id LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    const total =
      rows[0]?.total ?? (await this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users'))[0].n;
    return [rows.map(toUser), total];
  }

  async get(id: number): Promise<InboxUser> {
    const [row] = Number.isSafeInteger(id)
      ? await this.db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id])
      : [];
    if (!row) throw new DrfError(404, 'Not found.');
    return toUser(row);
  }

  /** Creates the user and its activation code together; refuses before writing anything when out of seats. */
  async create(input: UserInput): Promise<{ user: InboxUser; activationUrl: string }> {
    const fields = parseUserInput(input, true);
    const role = fields.role ?? 'user';
    return this.db.transaction(async (tx) => {
      await this.assertSeatFor(tx, role);
      await this.assertUsernameFree(tx, fields.username!);
      const { rows } = await tx.query<UserRow>(
        `INSERT INTO users (username, email, first_name, last_name, role, is_active) VALUES ($1, $2, $3, $4, $5, false)
         RETURNING ${USER_COLUMNS}`,
        [fields.username, fields.email ?? '', fields.firstName ?? '', fields.lastName ?? '', role],
      );
      const code = randomUUID();
      await tx.query(
        `INSERT INTO activation_codes (code_sha256, user_id, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))`,
        [sha256Hex(code), rows[0].id, this.config.ACTIVATION_CODE_TTL_HOURS],
      );
      return { user: toUser(rows[0]), activationUrl: `${this.config.PUBLIC_URL}/confirm_account?c=${code}` };
    });
  }

  /** PUT (all fields) or PATCH (some). Only admins change roles. */
  async update(actor: InboxUser, id: number, input: UserInput, partial: boolean): Promise<InboxUser> {
    if (actor.role !== 'admin' && actor.id !== id)
      throw new DrfError(403, 'You do not have permission to perform this action.');
    return this.db.transaction(async (tx) => {
      const [current] = (
        await tx.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [
          Number.isSafeInteger(id) ? id : -1,
        ])
      ).rows;
      if (!current) throw new DrfError(404, 'Not found.');
      // A username the platform gave (the admin's e-mail, the configurator's name) may be sent back as it is.
      const fields = parseUserInput(input, !partial, current.username);
      if (fields.role && actor.role !== 'admin') throw new DrfError(403, 'Only admins can change roles.');
      if (fields.role && !SEAT_ROLES.includes(current.role)) await this.assertSeatFor(tx, fields.role);
      if (fields.username && fields.username !== current.username)
        await this.assertUsernameFree(tx, fields.username);
      const entries = Object.entries(fields) as [keyof UserFields, string][];
      if (entries.length === 0) return toUser(current);
      const sets = entries.map(([key], i) => `${COLUMN_OF[key]} = $${i + 2}`).join(', ');
      const { rows } = await tx.query<UserRow>(
        `UPDATE users SET ${sets}, updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`,
        [id, ...entries.map(([, value]) => value)],
      );
      return toUser(rows[0]);
    });
  }

  async setPassword(user: InboxUser, password: string, field: string): Promise<void> {
    const problems = await passwordProblems(password, user);
    if (problems.length) throw new DrfError(400, { [field]: problems });
    await this.db.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [
      user.id,
      await hashPassword(password),
    ]);
  }

  /** Admins and users take a seat (the configurator and app users do not). Serialised per instance. */
  private async assertSeatFor(tx: Queryable, role: Role): Promise<void> {
    if (!SEAT_ROLES.includes(role)) return;
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEATS_LOCK]);
    const { rows } = await tx.query<{ seats: number }>(
      `SELECT count(*)::int AS seats FROM users WHERE role IN ('admin', 'user') AND NOT is_configurator`,
    );
    if (rows[0].seats >= this.config.MAX_NUMBER_OF_SEATS) {
      throw new DrfError(
        403,
        `Seat limit reached: this instance has ${this.config.MAX_NUMBER_OF_SEATS} seats for admins and users, all taken. App users take no seat.`,
      );
    }
  }

  private async assertUsernameFree(tx: Queryable, username: string): Promise<void> {
    if ((await tx.query('SELECT 1 FROM users WHERE username = $1', [username])).rowCount) {
      throw new DrfError(400, { username: ['A user with that username already exists.'] });
    }
  }
}
