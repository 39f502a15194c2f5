import { Body, Controller, Get, Headers, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { singleQueryValue } from '../http/form-fields';
import { pageLinks, pageWindow } from '../http/pagination';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { MIN_TEXT_SEARCH } from './conversation-store';
import { ConversationsService } from './conversations.service';

type Query = Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const WA_ID = /^\d{1,20}$/;

/** A POSIX timestamp query parameter, or a 400 naming it. */
function timeParam(query: Query, name: string): number | undefined {
  const raw = singleQueryValue(query[name]);
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,12}$/.test(raw)) throw new DrfError(400, { [name]: ['A valid integer is required.'] });
  return Number(raw);
}

const searchParam = (query: Query): string | undefined =>
  singleQueryValue(query.search)?.slice(0, 200) || undefined;

/** A search through message texts: 3 characters at least (below that, every message would be read). */
function textSearch(query: Query): string | undefined {
  const search = searchParam(query);
  if (search !== undefined && search.length < MIN_TEXT_SEARCH)
    throw new DrfError(400, { search: [`Search for at least ${MIN_TEXT_SEARCH} characters.`] });
  return search;
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
    const { count, results } = await this.conversations.chats(user, search, window.limit, window.offset);
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
