import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { MAX_BIGINT, pathId } from '../http/ids';
import { pageLinks, pageWindow } from '../http/pagination';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { SavedResponse, SavedResponsesStore } from './saved-responses-store';

const MAX_TEXT = 4096;
const PATH = '/api/v1/saved_responses/';

/**
 * Seed 002's `saved_responses/`: quick replies the team shares in the web inbox. Every inbox user
 * reads and adds them; a response is removed by who wrote it or an admin. Not for the configurator
 * (a service account that never answers chats).
 */
@UseGuards(ApiAuthGuard)
@NoConfigurator()
@Controller('api/v1/saved_responses')
export class SavedResponsesController {
  constructor(
    private readonly store: SavedResponsesStore,
    private readonly config: BootstrapEnv,
  ) {}

  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const window = pageWindow(query);
    const { count, results } = await this.store.list(window.limit, window.offset);
    return { count, ...pageLinks(this.config.PUBLIC_URL, PATH, query, window, count), results };
  }

  @Post()
  @HttpCode(201)
  create(@CurrentUser() user: InboxUser, @Body() body: unknown): Promise<SavedResponse> {
    const text = (body as { text?: unknown } | null)?.text;
    if (typeof text !== 'string' || !text.trim())
      throw new DrfError(400, { text: ['This field is required and may not be blank.'] });
    if (text.length > MAX_TEXT)
      throw new DrfError(400, { text: [`Ensure this field has no more than ${MAX_TEXT} characters.`] });
    return this.store.create(text, user.username);
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<SavedResponse> {
    const found = await this.store.find(pathId(id, MAX_BIGINT));
    if (!found) throw new DrfError(404, { detail: 'Not found.' });
    return found;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() user: InboxUser, @Param('id') id: string): Promise<void> {
    const found = await this.store.find(pathId(id, MAX_BIGINT));
    if (!found) throw new DrfError(404, { detail: 'Not found.' });
    if (found.created_by !== user.username && user.role !== 'admin')
      throw new DrfError(403, { detail: 'Only the author or an admin may delete this saved response.' });
    await this.store.remove(found.id);
  }
}
