import { Body, Controller, Get, Headers, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { singleQueryValue } from '../http/form-fields';
import { pageLinks, pageWindow } from '../http/pagination';
import { timeParam } from '../http/query-params';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { AssignmentFilters, MIN_TEXT_SEARCH } from './conversation-store';
import { GROUPS } from '../users/user.presenter';
import { ConversationsService } from './conversations.service';

type Query = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WA_ID = /^\d{1,20}$/;

const searchParam = (query: Query): string | undefined =>
  singleQueryValue(query.search)?.slice(0, 200) || undefined;

/** A search through message texts: 3 characters at least (below that, every message would be read). */
function textSearch(query: Query): string | undefined {
  const search = searchParam(query);
  if (search !== undefined && search.length < MIN_TEXT_SEARCH)
    throw new DrfError(400, { search: [`Search for at least ${MIN_TEXT_SEARCH} characters.`] });
  return search;
}

/**
 * Seed 002's `assigned_to_me` (true/1) and `assigned_group` (a group the caller is in; any for
 * admins) filters.
 */
function assignmentFilters(user: InboxUser, query: Query): AssignmentFilters {
  const filters: AssignmentFilters = {};
  const mine = singleQueryValue(query.assigned_to_me)?.toLowerCase();
  if (mine === 'true' || mine === '1') filters.assignedUser = user.id;
  else if (mine !== undefined && !['', 'false', '0'].includes(mine))
    throw new DrfError(400, { assigned_to_me: ['Must be a valid boolean.'] });
  const group = singleQueryValue(query.assigned_group);
  if (group === undefined || group === '') return filters;
  const found = /^\d{1,9}$/.test(group) ? GROUPS.find((g) => g.id === Number(group)) : undefined;
  if (!found || (user.role !== 'admin' && found.role !== user.role))
    throw new DrfError(400, { assigned_group: ['Select a group you are a member of.'] });
  filters.assignedGroup = found.id;
  return filters;
}

/** Seed 002's conversation endpoints. The configurator may not use them (seed 001). */
@UseGuards(ApiAuthGuard)
@NoConfigurator()
@Controller('api/v1')
export class ConversationsController {
  constructor(
    private readonly conversations: ConversationsService,
    private readonly config: BootstrapEnv,
  ) {}

  @Get('chats')
  async chats(@CurrentUser() user: InboxUser, @Query() query: Query) {
    const window = pageWindow(query);
    const search = searchParam(query);
    const { count, results } = await this.conversations.chats(
      user,
      { search, ...assignmentFilters(user, query) },
      window.limit,
      window.offset,
    );
    return { count, ...pageLinks(this.config.PUBLIC_URL, '/api/v1/chats/', query, window, count), results };
  }

  @Get('messages')
  async messages(@CurrentUser() user: InboxUser, @Query() query: Query) {
    const window = pageWindow(query, 20);
    const waId = singleQueryValue(query.wa_id);
    if (waId !== undefined && !WA_ID.test(waId))
      throw new DrfError(400, { wa_id: ['Not a valid WhatsApp id.'] });
    const mark = singleQueryValue(query.mark_as_received);
    const { count, results } = await this.conversations.messages(
      user,
      {
        waId,
        beforeTime: timeParam(query, 'before_time'),
        sinceTime: timeParam(query, 'since_time'),
        search: textSearch(query),
        ...assignmentFilters(user, query),
        ...window,
      },
      mark !== undefined && !['0', 'false', ''].includes(mark.toLowerCase()),
    );
    return {
      count,
      ...pageLinks(this.config.PUBLIC_URL, '/api/v1/messages/', query, window, count),
      results,
    };
  }

  @Post('messages')
  @HttpCode(201)
  send(
    @CurrentUser() user: InboxUser,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
  ) {
    if (idempotencyKey !== undefined && !UUID.test(idempotencyKey))
      throw new DrfError(400, { detail: 'Idempotency-Key must be a UUID.' });
    return this.conversations.send(user, asObject(body), idempotencyKey?.toLowerCase());
  }

  @Post('mark_as_received')
  @HttpCode(201)
  markReceived(@CurrentUser() user: InboxUser, @Body() body: unknown) {
    return this.conversations.markReceived(user, asObject(body));
  }
}

function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body))
    throw new DrfError(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] });
  return body as Record<string, unknown>;
}
