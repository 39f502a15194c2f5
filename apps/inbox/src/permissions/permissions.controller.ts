import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { DrfError } from '../http/drf-exception.filter';
import { AdminOnly, ApiAuthGuard } from '../identity/api-auth.guard';
import { IdentityService } from '../identity/identity.service';
import { GROUPS } from '../users/user.presenter';
import { CHAT_ACCESS, ChatAccess, PermissionSetting, PermissionsService } from './permissions';

/** A setting from a body: each field a value or null (inherit); fields left out are null too. */
function readSetting(body: unknown): PermissionSetting {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const errors: Record<string, string[]> = {};
  const access = (name: 'can_read_chats' | 'can_write_to_chats'): ChatAccess | null => {
    const value = input[name];
    if (value === undefined || value === null) return null;
    if (CHAT_ACCESS.includes(value as ChatAccess)) return value as ChatAccess;
    errors[name] = [
      `${JSON.stringify(value).slice(0, 40)} is not a valid choice (${CHAT_ACCESS.join(', ')}, or null).`,
    ];
    return null;
  };
  const setting: PermissionSetting = {
    can_read_chats: access('can_read_chats'),
    can_write_to_chats: access('can_write_to_chats'),
    can_use_tags: null,
  };
  const tags = input.can_use_tags;
  if (typeof tags === 'boolean') setting.can_use_tags = tags;
  else if (tags !== undefined && tags !== null) errors.can_use_tags = ['Must be a valid boolean, or null.'];
  if (Object.keys(errors).length) throw new DrfError(400, errors);
  return setting;
}

/**
 * Seed 002's permission settings (admins): per group (`Admin` always reads and writes everything)
 * and per user (null fields inherit the group's). Users see theirs in `users/current/`.
 */
@UseGuards(ApiAuthGuard)
@AdminOnly()
@Controller('api/v1/permissions')
export class PermissionsController {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly identity: IdentityService,
  ) {}

  @Get()
  list() {
    return this.permissions.list();
  }

  @Put('groups/:id')
  async setGroup(@Param('id') id: string, @Body() body: unknown) {
    const group = GROUPS.find((g) => String(g.id) === id && g.role !== 'admin');
    if (!group)
      throw new DrfError(404, { detail: 'Not found (the Admin group always has every permission).' });
    const setting = readSetting(body);
    await this.permissions.set({ group: group.id }, setting);
    return { id: group.id, name: group.name, ...setting };
  }

  @Put('users/:id')
  async setUser(@Param('id') id: string, @Body() body: unknown) {
    const [user] = /^\d{1,9}$/.test(id) ? await this.identity.usersByIds([Number(id)]) : [];
    if (!user || user.isConfigurator) throw new DrfError(404, { detail: 'Not found.' });
    const setting = readSetting(body);
    await this.permissions.set({ user: user.id }, setting);
    return { user: user.id, ...setting, effective: await this.permissions.of(user) };
  }
}
