import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { singleQueryValue } from '../http/form-fields';
import { pageLinks, pageWindow } from '../http/pagination';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { PermissionsService } from '../permissions/permissions';
import { ConversationStore } from './conversation-store';
import { presentContact } from './conversation.presenter';

type Query = Record<string, unknown>;

/** Seed 002's persons: the customers the inbox has talked to (newest activity first). */
@UseGuards(ApiAuthGuard)
@NoConfigurator()
@Controller('api/v1/persons')
export class PersonsController {
  constructor(
    private readonly store: ConversationStore,
    private readonly config: BootstrapEnv,
    private readonly permissions: PermissionsService,
  ) {}

  /** The customers of the chats the user may read (seed 002's can_read_chats). */
  @Get()
  async list(@CurrentUser() user: InboxUser, @Query() query: Query) {
    const window = pageWindow(query);
    const search = singleQueryValue(query.search)?.slice(0, 200) || undefined;
    const scope = await this.permissions.readScope(user);
    const { rows, count } = await this.store.persons(search, scope, window.limit, window.offset);
    return {
      count,
      ...pageLinks(this.config.PUBLIC_URL, '/api/v1/persons/', query, window, count),
      results: rows.map(presentContact),
    };
  }

  @Get(':waId')
  async get(@CurrentUser() user: InboxUser, @Param('waId') waId: string) {
    const person = /^\d{1,20}$/.test(waId) ? await this.store.contact(waId) : null;
    if (!person) throw new DrfError(404, 'Not found.');
    await this.permissions.mayRead(user, {
      assigned_user_id: person.assigned_user_id ?? null,
      assigned_group_id: person.assigned_group_id ?? null,
    });
    return presentContact(person);
  }
}
