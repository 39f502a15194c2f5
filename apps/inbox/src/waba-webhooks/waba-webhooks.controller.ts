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
import { pathId } from '../http/ids';
import { pageLinks, pageWindow } from '../http/pagination';
import { ApiAuthGuard, CurrentUser } from '../identity/api-auth.guard';
import { InboxUser } from '../persistence/entities';
import { ReceiverGuard } from '../relay/receiver-guard';
import { DeliveryState, WabaWebhook, WabaWebhooksStore } from './waba-webhooks-store';
import { WEBHOOK_EVENTS, WebhookInput, readWebhookInput } from './webhook-input';

const PATH = '/api/v1/waba_webhooks/';
const NOT_FOUND = () => new DrfError(404, { detail: 'Not found.' });

/** Admins and the configurator (a partner's automation connects its apps) manage every user's webhook. */
const managesAll = (user: InboxUser) => user.role === 'admin' || user.isConfigurator;

function present(publicUrl: string, w: WabaWebhook, delivery: DeliveryState | undefined) {
  return {
    id: w.id,
    user: { id: w.userId, username: w.username, url: `${publicUrl}/api/v1/users/${w.userId}/` },
    url: w.url,
    headers: w.headers,
    events: w.events,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
    delivery: delivery ?? null,
  };
}

/**
 * Seed 002's WABA webhooks as a resource (DESIGN.md: `waba_webhooks/`): one per user, which the
 * relay calls with every provider webhook and the events the user chose. A user manages their own;
 * admins and the configurator manage anyone's. Someone else's webhook is a 404, as if absent.
 * The signing secret is shown once, in the answer to the POST.
 */
@UseGuards(ApiAuthGuard)
@Controller('api/v1/waba_webhooks')
export class WabaWebhooksController {
  constructor(
    private readonly store: WabaWebhooksStore,
    private readonly config: BootstrapEnv,
    private readonly receivers: ReceiverGuard,
  ) {}

  @Get()
  async list(@CurrentUser() user: InboxUser, @Query() query: Record<string, unknown>) {
    const window = pageWindow(query);
    const { count, results } = await this.store.list(
      managesAll(user) ? undefined : user.id,
      window.limit,
      window.offset,
    );
    const states = await this.store.deliveryStates(results.map((w) => w.id));
    return {
      count,
      ...pageLinks(this.config.PUBLIC_URL, PATH, query, window, count),
      results: results.map((w) => present(this.config.PUBLIC_URL, w, states.get(w.id))),
    };
  }

  @Post()
  @HttpCode(201)
  async create(@CurrentUser() user: InboxUser, @Body() body: unknown) {
    const input = readWebhookInput(body, this.receivers.get(), false);
    const owner = input.user ?? user.id;
    if (owner !== user.id && !managesAll(user))
      throw new DrfError(403, { detail: 'You may only create a webhook for yourself.' });
    if (owner !== user.id && !(await this.store.userExists(owner)))
      throw new DrfError(400, { user: [`Invalid pk "${owner}" - object does not exist.`] });
    const created = await this.store.create({
      userId: owner,
      url: input.url!,
      headers: input.headers ?? {},
      events: input.events ?? WEBHOOK_EVENTS,
    });
    if (!created)
      throw new DrfError(400, {
        user: ['This user has a webhook already (one per user): change it with PUT or PATCH, or delete it.'],
      });
    const states = await this.store.deliveryStates([created.id]);
    // The only time the secret is shown: receivers verify signatures with it (Standard Webhooks).
    return { ...present(this.config.PUBLIC_URL, created, states.get(created.id)), secret: created.secret };
  }

  @Get(':id')
  async get(@CurrentUser() user: InboxUser, @Param('id') id: string) {
    const found = await this.visible(user, id);
    return present(
      this.config.PUBLIC_URL,
      found,
      (await this.store.deliveryStates([found.id])).get(found.id),
    );
  }

  @Put(':id')
  replace(@CurrentUser() user: InboxUser, @Param('id') id: string, @Body() body: unknown) {
    return this.change(user, id, readWebhookInput(body, this.receivers.get(), false), false);
  }

  @Patch(':id')
  patch(@CurrentUser() user: InboxUser, @Param('id') id: string, @Body() body: unknown) {
    return this.change(user, id, readWebhookInput(body, this.receivers.get(), true), true);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentUser() user: InboxUser, @Param('id') id: string): Promise<void> {
    const found = await this.visible(user, id);
    await this.store.remove(found.id);
  }

  private async change(user: InboxUser, id: string, input: WebhookInput, partial: boolean) {
    const found = await this.visible(user, id);
    if (input.user !== undefined && input.user !== found.userId)
      throw new DrfError(400, { user: ['A webhook stays with its user: delete it and create another.'] });
    const updated = await this.store.update(found.id, {
      url: input.url ?? found.url,
      headers: input.headers ?? (partial ? found.headers : {}),
      events: input.events ?? (partial ? found.events : WEBHOOK_EVENTS),
    });
    if (!updated) throw NOT_FOUND();
    return present(
      this.config.PUBLIC_URL,
      updated,
      (await this.store.deliveryStates([updated.id])).get(updated.id),
    );
  }

  private async visible(user: InboxUser, rawId: string): Promise<WabaWebhook> {
    const found = await this.store.find(pathId(rawId));
    if (!found || (found.userId !== user.id && !managesAll(user))) throw NOT_FOUND();
    return found;
  }
}
