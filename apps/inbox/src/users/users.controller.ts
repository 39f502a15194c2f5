import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { pathId } from '../http/ids';
import { pageLinks, pageWindow } from '../http/pagination';
import { AdminOnly, ApiAuthGuard, CurrentUser } from '../identity/api-auth.guard';
import { verifyPassword } from '../identity/password-hasher';
import { InboxUser } from '../persistence/entities';
import { GROUPS, presentUser } from './user.presenter';
import { PermissionsService } from '../permissions/permissions';
import { UserInput, UsersService } from './users.service';

@UseGuards(ApiAuthGuard)
@Controller('api/v1')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly config: BootstrapEnv,
    private readonly permissions: PermissionsService,
  ) {}

  @Get('users/current')
  async current(@CurrentUser() user: InboxUser) {
    return presentUser(this.config.PUBLIC_URL, user, await this.permissions.of(user));
  }

  /** Every user lists users (an agent assigns chats to them); only admins create and change others. */
  @Get('users')
  async list(@Query() query: Record<string, string | undefined>) {
    const window = pageWindow(query);
    const [users, count] = await this.users.list(window.limit, window.offset);
    const links = pageLinks(this.config.PUBLIC_URL, '/api/v1/users/', query, window, count);
    return { count, ...links, results: users.map((u) => presentUser(this.config.PUBLIC_URL, u)) };
  }

  /** The answer carries `activation_url` this once; only its hash is stored. */
  @Post('users')
  @AdminOnly()
  async create(@Body() body: UserInput) {
    const { user, activationUrl } = await this.users.create(body ?? {});
    return { ...presentUser(this.config.PUBLIC_URL, user), activation_url: activationUrl };
  }

  @Post('users/password/change')
  @HttpCode(200)
  async changeOwnPassword(
    @CurrentUser() user: InboxUser,
    @Body() body: { current_password?: unknown; new_password?: unknown },
  ) {
    const errors: Record<string, string[]> = {};
    if (typeof body?.current_password !== 'string') errors.current_password = ['This field is required.'];
    if (typeof body?.new_password !== 'string') errors.new_password = ['This field is required.'];
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    if (!(await verifyPassword(body.current_password as string, user.passwordHash))) {
      throw new DrfError(400, {
        current_password: ['Your old password was entered incorrectly. Please enter it again.'],
      });
    }
    await this.users.setPassword(user, body.new_password as string, 'new_password');
    return {};
  }

  @Post('users/:id/password/change')
  @HttpCode(200)
  @AdminOnly()
  async changePassword(@Param('id') id: string, @Body() body: { password?: unknown }) {
    if (typeof body?.password !== 'string')
      throw new DrfError(400, { password: ['This field is required.'] });
    await this.users.setPassword(await this.users.get(pathId(id)), body.password, 'password');
    return {};
  }

  @Get('users/:id')
  async get(@CurrentUser() actor: InboxUser, @Param('id') id: string) {
    if (actor.role !== 'admin' && actor.id !== pathId(id)) throw new DrfError(404, 'Not found.');
    const found = await this.users.get(pathId(id));
    return presentUser(this.config.PUBLIC_URL, found, await this.permissions.of(found));
  }

  @Put('users/:id')
  async replace(@CurrentUser() actor: InboxUser, @Param('id') id: string, @Body() body: UserInput) {
    return presentUser(this.config.PUBLIC_URL, await this.users.update(actor, pathId(id), body ?? {}, false));
  }

  @Patch('users/:id')
  async patch(@CurrentUser() actor: InboxUser, @Param('id') id: string, @Body() body: UserInput) {
    return presentUser(this.config.PUBLIC_URL, await this.users.update(actor, pathId(id), body ?? {}, true));
  }

  @Get('groups')
  groups() {
    return {
      count: GROUPS.length,
      next: null,
      previous: null,
      results: GROUPS.map(({ id, name }) => ({ id, name })),
    };
  }
}
