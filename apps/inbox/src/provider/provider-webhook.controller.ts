import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { BootstrapEnv } from '@app/bootstrap';
import { safeEqual } from '@app/common/crypto/hashing';
import { ConversationStore } from '../conversations/conversation-store';
import { WithRawBody } from '../http/body-parsers';
import { DrfError } from '../http/drf-exception.filter';
import { REPAIRS_TEXT } from '../http/text-guard';
import { MalformedWebhook, readProviderWebhook } from './provider-webhook';

/**
 * `POST /waba/webhook/{secret}/`: the provider's webhook (registered by WebhookRegistration). The
 * secret in the path is the only credential, compared in constant time; a wrong one is a 404 like
 * any unknown path. The body is stored before the 200: a crash before it makes the provider retry,
 * a crash after it loses nothing.
 */
@Controller('waba/webhook')
export class ProviderWebhookController {
  constructor(
    private readonly config: BootstrapEnv,
    private readonly store: ConversationStore,
  ) {}

  @Post(':secret')
  @HttpCode(200)
  @RouteConfig(REPAIRS_TEXT)
  async receive(@Param('secret') secret: string, @Body() body: unknown, @Req() request: WithRawBody) {
    if (!safeEqual(secret, this.config.WABA_WEBHOOK_SECRET)) throw new DrfError(404, 'Not found.');
    let notification;
    try {
      notification = readProviderWebhook(body);
    } catch (error) {
      if (error instanceof MalformedWebhook) throw new DrfError(400, error.message);
      throw error;
    }
    // The bytes as they came (relayed as they are); a form-encoded body has none.
    const raw = request.rawBody?.toString('utf8') ?? JSON.stringify(body);
    await this.store.ingest(body, raw, notification, (id) => `${this.config.PUBLIC_URL}/api/v1/media/${id}/`);
    return {};
  }
}
