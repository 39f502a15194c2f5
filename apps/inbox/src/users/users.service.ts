/**
 * Users of this instance: creation (with a one-time activation URL), updates, passwords, and the
 * seat limit. Field errors use DRF's shape `{"field": ["message"]}` with status 400.
 */
import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { sha256Hex } from '@app/common';
import { InboxConfig } from '../config/inbox-config';
import { DrfError } from '../http/drf-exception.filter';
import { hashPassword } from '../identity/password-hasher';
import { passwordProblems } from '../identity/password-validators';
import { ActivationCode, InboxUser, Role, SEAT_ROLES } from '../persistence/entities';
import { UserInput, parseUserInput } from './user-input';

export type { UserInput };

const SEATS_LOCK = 727_004;

@Injectable()
export class UsersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: InboxConfig,
  ) {}

  async list(limit: number, offset: number): Promise<[InboxUser[], number]> {
    return this.dataSource
      .getRepository(InboxUser)
      .findAndCount({ order: { id: 'ASC' }, take: limit, skip: offset });
  }

  async get(id: number): Promise<InboxUser> {
    const user = Number.isSafeInteger(id)
      ? await this.dataSource.getRepository(InboxUser).findOneBy({ id })
      : null;
    if (!user) throw new DrfError(404, 'Not found.');
    return user;
  }

  /** Creates the user and its activation code together; refuses before writing anything when out of seats. */
  async create(input: UserInput): Promise<{ user: InboxUser; activationUrl: string }> {
    const fields = parseUserInput(input, true);
    return this.dataSource.transaction(async (manager) => {
      await this.assertSeatFor(manager, fields.role ?? 'user');
      await this.assertUsernameFree(manager, fields.username!);
      const user = await manager.save(
        manager.create(InboxUser, { ...fields, role: fields.role ?? 'user', isActive: false }),
      );
      const code = randomUUID();
      const expiresAt = new Date(Date.now() + this.config.ACTIVATION_CODE_TTL_HOURS * 3600_000);
      await manager.insert(ActivationCode, {
        codeSha256: sha256Hex(code),
        userId: user.id,
        expiresAt,
        usedAt: null,
      });
      return { user, activationUrl: `${this.config.PUBLIC_URL}/confirm_account?c=${code}` };
    });
  }

  /** PUT (all fields) or PATCH (some). Only admins change roles. */
  async update(actor: InboxUser, id: number, input: UserInput, partial: boolean): Promise<InboxUser> {
    if (actor.role !== 'admin' && actor.id !== id)
      throw new DrfError(403, 'You do not have permission to perform this action.');
    const fields = parseUserInput(input, !partial);
    if (fields.role && actor.role !== 'admin') throw new DrfError(403, 'Only admins can change roles.');
    return this.dataSource.transaction(async (manager) => {
      const user = await manager.findOne(InboxUser, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!user) throw new DrfError(404, 'Not found.');
      if (fields.role && fields.role !== user.role && !SEAT_ROLES.includes(user.role))
        await this.assertSeatFor(manager, fields.role);
      if (fields.username && fields.username !== user.username)
        await this.assertUsernameFree(manager, fields.username);
      Object.assign(user, fields);
      return manager.save(user);
    });
  }

  async setPassword(user: InboxUser, password: string, field: string): Promise<void> {
    const problems = passwordProblems(password, user);
    if (problems.length) throw new DrfError(400, { [field]: problems });
    await this.dataSource
      .getRepository(InboxUser)
      .update({ id: user.id }, { passwordHash: await hashPassword(password) });
  }

  /** Admins and users take a seat (the configurator and app users do not). Serialised per instance. */
  private async assertSeatFor(manager: EntityManager, role: Role): Promise<void> {
    if (!SEAT_ROLES.includes(role)) return;
    await manager.query('SELECT pg_advisory_xact_lock($1)', [SEATS_LOCK]);
    const [{ seats }] = await manager.query<{ seats: number }[]>(
      `SELECT count(*)::int AS seats FROM users WHERE role IN ('admin', 'user') AND NOT is_configurator`,
    );
    if (seats >= this.config.MAX_NUMBER_OF_SEATS) {
      throw new DrfError(
        403,
        `Seat limit reached: this instance has ${this.config.MAX_NUMBER_OF_SEATS} seats for admins and users, all taken. App users take no seat.`,
      );
    }
  }

  private async assertUsernameFree(manager: EntityManager, username: string): Promise<void> {
    if (await manager.existsBy(InboxUser, { username })) {
      throw new DrfError(400, { username: ['A user with that username already exists.'] });
    }
  }
}
