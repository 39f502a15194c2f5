import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  UseGuards,
} from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { DrfError } from '../http/drf-exception.filter';
import { singleQueryValue } from '../http/form-fields';
import { idOf, pathId } from '../http/ids';
import { pageLinks, pageWindow } from '../http/pagination';
import { timeParam } from '../http/query-params';
import { ApiAuthGuard, CurrentUser, NoConfigurator } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { TaggingPresenter } from './tagging-presenter';
import { PermissionsService } from '../permissions/permissions';
import { Tag, TaggingKind, TagsStore } from './tags-store';

type Json = Record<string, unknown>;
type Query = Record<string, unknown>;
const MAX_NAME = 1000;
const MAX_EXTRA_BYTES = 16 * 1024;
const WA_ID = /^\d{1,20}$/;
const NOT_FOUND = () => new DrfError(404, { detail: 'Not found.' });

const fields = (body: unknown): Json => (typeof body === 'object' && body !== null ? (body as Json) : {});

function readExtra(raw: unknown, errors: Record<string, string[]>): unknown {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== 'object' || Array.isArray(raw)) return void (errors.extra = ['Expected an object.']);
  if (Buffer.byteLength(JSON.stringify(raw)) > MAX_EXTRA_BYTES)
    return void (errors.extra = [`Ensure this object takes no more than ${MAX_EXTRA_BYTES} bytes as JSON.`]);
  return raw;
}

/** Admins and the configurator (setting an inbox up) rename and delete tags. */
const managesTags = (user: InboxUser) => user.role === 'admin' || user.isConfigurator;

/**
 * Seed 002's tags (DESIGN.md: `tags/`, `chat_tagging/`, `message_tagging/` and their event lists).
 * Tagging a message tags its chat; every change is an event (history, per-user webhooks, the
 * websocket). Tagging is messaging: not for the configurator, which may still set tags up.
 */
@UseGuards(ApiAuthGuard)
@Controller('api/v1')
export class TagsController {
  constructor(
    private readonly store: TagsStore,
    private readonly events: TaggingPresenter,
    private readonly config: BootstrapEnv,
    private readonly permissions: PermissionsService,
  ) {}

  @Get('tags')
  async list(@Query() query: Query) {
    const window = pageWindow(query);
    const { count, results } = await this.store.list(window.limit, window.offset);
    return { count, ...pageLinks(this.config.PUBLIC_URL, '/api/v1/tags/', query, window, count), results };
  }

  @Post('tags')
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<Tag> {
    const { name, color, extra } = this.readTag(body);
    const tag = await this.store.create(name, color, extra);
    if (!tag) throw new DrfError(400, { name: ['tag with this name already exists.'] });
    return tag;
  }

  @Get('tags/:id')
  async get(@Param('id') id: string): Promise<Tag> {
    const tag = await this.store.find(pathId(id));
    if (!tag) throw NOT_FOUND();
    return tag;
  }

  @Put('tags/:id')
  replace(@CurrentUser() user: InboxUser, @Param('id') id: string, @Body() body: unknown) {
    return this.change(user, id, body, false);
  }

  @Patch('tags/:id')
  patch(@CurrentUser() user: InboxUser, @Param('id') id: string, @Body() body: unknown) {
    return this.change(user, id, body, true);
  }

  @Delete('tags/:id')
  @HttpCode(204)
  async remove(@CurrentUser() user: InboxUser, @Param('id') id: string): Promise<void> {
    this.mayManage(user);
    const tag = await this.store.find(pathId(id));
    if (!tag) throw NOT_FOUND();
    await this.store.remove(tag.id);
  }

  @Post('message_tagging')
  @NoConfigurator()
  @HttpCode(201)
  async tagMessage(@CurrentUser() user: InboxUser, @Body() body: unknown) {
    const input = fields(body);
    const errors: Record<string, string[]> = {};
    const tag = await this.tagField(input.tag, errors);
    const messageId =
      typeof input.message === 'string' && input.message.length <= 256 ? input.message : undefined;
    if (messageId === undefined) errors.message = ['This field is required.'];
    const message = messageId === undefined ? undefined : await this.store.message(messageId);
    if (messageId !== undefined && !message)
      errors.message = [`Invalid pk "${messageId.slice(0, 64)}" - object does not exist.`];
    const extra = readExtra(input.extra, errors);
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    await this.mayTag(user, message!.customer_wa_id);
    const tagging = await this.store.tagMessage(tag!, message!, extra, user.id, this.events.forActor(user));
    if (!tagging)
      throw new DrfError(400, { non_field_errors: ['The fields message, tag must make a unique set.'] });
    return { id: tagging.id, tag: tag!.id, message: tagging.wa_message_id, extra: tagging.extra };
  }

  @Post('chat_tagging')
  @NoConfigurator()
  @HttpCode(201)
  async tagChat(@CurrentUser() user: InboxUser, @Body() body: unknown) {
    const input = fields(body);
    const errors: Record<string, string[]> = {};
    const tag = await this.tagField(input.tag, errors);
    const chat = typeof input.chat === 'string' && WA_ID.test(input.chat) ? input.chat : undefined;
    if (chat === undefined) errors.chat = ['This field is required: the WhatsApp id of the chat.'];
    else if (!(await this.store.chatExists(chat)))
      errors.chat = [`Invalid pk "${chat}" - object does not exist.`];
    const extra = readExtra(input.extra, errors);
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    await this.mayTag(user, chat!);
    const tagging = await this.store.tagChat(tag!, chat!, extra, user.id, this.events.forActor(user));
    if (!tagging)
      throw new DrfError(400, { non_field_errors: ['The fields chat, tag must make a unique set.'] });
    return { id: tagging.id, tag: tag!.id, chat: tagging.customer_wa_id, extra: tagging.extra };
  }

  @Get('message_tagging/:id')
  @NoConfigurator()
  async messageTagging(@CurrentUser() user: InboxUser, @Param('id') id: string) {
    const t = await this.tagging('message', id);
    await this.permissions.mayReadChat(user, t.customer_wa_id);
    return { id: t.id, tag: t.tag_id, message: t.wa_message_id, extra: t.extra };
  }

  @Get('chat_tagging/:id')
  @NoConfigurator()
  async chatTagging(@CurrentUser() user: InboxUser, @Param('id') id: string) {
    const t = await this.tagging('chat', id);
    await this.permissions.mayReadChat(user, t.customer_wa_id);
    return { id: t.id, tag: t.tag_id, chat: t.customer_wa_id, extra: t.extra };
  }

  @Delete('message_tagging/:id')
  @NoConfigurator()
  @HttpCode(204)
  async untagMessage(@CurrentUser() user: InboxUser, @Param('id') id: string): Promise<void> {
    const tagging = await this.tagging('message', id);
    await this.mayTag(user, tagging.customer_wa_id);
    await this.store.untag('message', tagging, user.id, this.events.forActor(user));
  }

  @Delete('chat_tagging/:id')
  @NoConfigurator()
  @HttpCode(204)
  async untagChat(@CurrentUser() user: InboxUser, @Param('id') id: string): Promise<void> {
    const tagging = await this.tagging('chat', id);
    await this.mayTag(user, tagging.customer_wa_id);
    await this.store.untag('chat', tagging, user.id, this.events.forActor(user));
  }

  @Get('message_tagging_events')
  @NoConfigurator()
  messageEvents(@CurrentUser() user: InboxUser, @Query() query: Query) {
    return this.eventList(user, 'message', query);
  }

  @Get('chat_tagging_events')
  @NoConfigurator()
  chatEvents(@CurrentUser() user: InboxUser, @Query() query: Query) {
    return this.eventList(user, 'chat', query);
  }

  /** Events of the chats the user may read only (seed 002's can_read_chats). */
  private async eventList(user: InboxUser, kind: TaggingKind, query: Query) {
    const window = pageWindow(query);
    const waId = singleQueryValue(query.wa_id);
    if (waId !== undefined && !WA_ID.test(waId))
      throw new DrfError(400, { wa_id: ['Not a valid WhatsApp id.'] });
    const messageId = kind === 'message' ? singleQueryValue(query.message_id)?.slice(0, 256) : undefined;
    const { count, results } = await this.store.events(
      kind,
      {
        waId,
        waMessageId: messageId,
        since: timeParam(query, 'since_time'),
        before: timeParam(query, 'before_time'),
        scope: await this.permissions.readScope(user),
      },
      window.limit,
      window.offset,
    );
    const path = `/api/v1/${kind}_tagging_events/`;
    return {
      count,
      ...pageLinks(this.config.PUBLIC_URL, path, query, window, count),
      results: await this.events.presentRows(results),
    };
  }

  private async tagging(kind: TaggingKind, id: string) {
    const found = await this.store.tagging(kind, pathId(id));
    if (!found) throw NOT_FOUND();
    return found;
  }

  private async tagField(raw: unknown, errors: Record<string, string[]>): Promise<Tag | undefined> {
    const id = idOf(raw);
    if (id === undefined) return void (errors.tag = ['This field is required: the id of a tag.']);
    const tag = await this.store.find(id);
    if (!tag) errors.tag = [`Invalid pk "${id}" - object does not exist.`];
    return tag;
  }

  private readTag(body: unknown, current?: Tag) {
    const input = fields(body);
    const errors: Record<string, string[]> = {};
    const name = input.name === undefined && current ? current.name : input.name;
    if (typeof name !== 'string' || !name.trim()) errors.name = ['This field is required.'];
    else if (name.length > MAX_NAME)
      errors.name = [`Ensure this field has no more than ${MAX_NAME} characters.`];
    const color =
      input.web_inbox_color === undefined ? (current?.web_inbox_color ?? null) : input.web_inbox_color;
    if (color !== null && (typeof color !== 'string' || color.length > MAX_NAME))
      errors.web_inbox_color = [`A string of at most ${MAX_NAME} characters, or null.`];
    const extra = input.extra === undefined && current ? current.extra : readExtra(input.extra, errors);
    if (Object.keys(errors).length) throw new DrfError(400, errors);
    return { name: (name as string).trim(), color: color as string | null, extra };
  }

  /** Seed 002's can_use_tags, on a chat the user may read. */
  private async mayTag(user: InboxUser, waId: string): Promise<void> {
    await this.permissions.mayTag(user);
    await this.permissions.mayReadChat(user, waId);
  }

  private mayManage(user: InboxUser): void {
    if (!managesTags(user)) throw new DrfError(403, { detail: 'Only admins may change or delete tags.' });
  }

  private async change(user: InboxUser, id: string, body: unknown, partial: boolean): Promise<Tag> {
    this.mayManage(user);
    const current = await this.store.find(pathId(id));
    if (!current) throw NOT_FOUND();
    const { name, color, extra } = this.readTag(body, partial ? current : undefined);
    const tag = await this.store.update(current.id, name, color, extra);
    if (tag === null) throw NOT_FOUND();
    if (!tag) throw new DrfError(400, { name: ['tag with this name already exists.'] });
    return tag;
  }
}
