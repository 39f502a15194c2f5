import {
  ArgumentsHost,
  Body,
  Catch,
  Controller,
  Delete,
  ExceptionFilter,
  Get,
  Header,
  Headers,
  HttpCode,
  HttpException,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readUpload } from './multipart-upload';
import { SANDBOX_PAGE } from './page';
import { ProviderError, SandboxProvider } from './sandbox-provider';

type Json = Record<string, unknown>;
const object = (body: unknown): Json => (typeof body === 'object' && body !== null ? (body as Json) : {});

/** The subset of 360dialog's API (Cloud API dialect) an instance uses, keyed by `D360-API-KEY`. */
@Controller()
export class ProviderController {
  constructor(private readonly provider: SandboxProvider) {}

  @Post('v1/configs/webhook')
  @HttpCode(200)
  register(@Headers('d360-api-key') key: string | undefined, @Body() body: unknown) {
    return this.provider.registerWebhook(this.provider.channelFor(key), object(body).url);
  }

  @Get('v1/configs/webhook')
  webhook(@Headers('d360-api-key') key: string | undefined) {
    return { url: this.provider.channels.get(this.provider.channelFor(key)).webhookUrl ?? null };
  }

  @Post('messages')
  @HttpCode(200)
  send(
    @Headers('d360-api-key') key: string | undefined,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Body() body: unknown,
  ) {
    return this.provider.sendOnce(this.provider.channelFor(key), object(body), idempotencyKey);
  }

  @Post('media')
  @HttpCode(200)
  async upload(@Headers('d360-api-key') key: string | undefined, @Req() req: FastifyRequest) {
    const channel = this.provider.channelFor(key);
    if (!Buffer.isBuffer(req.body)) throw new ProviderError(400, '(#100) expected multipart/form-data');
    return this.provider.upload(channel, await readUpload(req.headers, req.body));
  }

  /** Where 360dialog's clients fetch media: the lookaside URL's path and query on the provider's host. */
  @Get('whatsapp_business/attachments')
  attachment(
    @Headers('d360-api-key') key: string | undefined,
    @Query('mid') id: unknown,
    @Res() reply: FastifyReply,
  ) {
    const { media, data } = this.provider.mediaBytes(this.provider.channelFor(key), String(id));
    void reply.header('Content-Type', media.mimeType).send(data);
  }

  @Get('v1/configs/templates')
  templates(@Headers('d360-api-key') key: string | undefined) {
    return this.provider.templates(this.provider.channelFor(key));
  }

  @Post('v1/configs/templates')
  @HttpCode(201)
  createTemplate(@Headers('d360-api-key') key: string | undefined, @Body() body: unknown) {
    return this.provider.createTemplate(this.provider.channelFor(key), object(body));
  }

  @Delete('v1/configs/templates/:name')
  deleteTemplate(@Headers('d360-api-key') key: string | undefined, @Param('name') name: string) {
    return this.provider.deleteTemplate(this.provider.channelFor(key), name);
  }

  /** `GET /{media-id}` (Cloud API): the media's description and download URL. */
  @Get(':mediaId')
  mediaInfo(@Headers('d360-api-key') key: string | undefined, @Param('mediaId') id: string) {
    return this.provider.mediaInfo(this.provider.channelFor(key), id);
  }
}

/** DESIGN.md's sandbox endpoints (outside checks rely on them) and the customer's page. */
@Controller()
export class CustomerController {
  constructor(private readonly provider: SandboxProvider) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page() {
    return SANDBOX_PAGE;
  }

  /** The customer's view of a media file (the page shows images both ways). */
  @Get('sandbox/media/:id')
  media(@Param('id') id: string, @Res() reply: FastifyReply) {
    const { media, data } = this.provider.mediaBytes(undefined, id);
    void reply
      .header('Content-Type', media.mimeType)
      .header('X-Content-Type-Options', 'nosniff')
      .header('Content-Security-Policy', "default-src 'none'; sandbox")
      .header('Cache-Control', 'max-age=3600, immutable')
      .send(data);
  }

  @Get('sandbox/channels')
  channels() {
    return {
      results: this.provider.channels
        .list()
        .map((c) => ({ channel: c.id, webhook_registered: Boolean(c.webhookUrl) })),
    };
  }

  /** Makes the next sends fail (`{"fail_sends": 2, "status": 503}`): to try retries by hand and in tests. */
  @Post('sandbox/faults')
  @HttpCode(200)
  faults(@Body() body: unknown) {
    return this.provider.setFaults(object(body));
  }

  @Post('sandbox/channels/:channel/inbound')
  @HttpCode(202)
  inbound(@Param('channel') channel: string, @Body() body: unknown) {
    return this.provider.inbound(channel, object(body));
  }

  @Get('sandbox/channels/:channel/messages')
  sent(@Param('channel') channel: string) {
    const results = [...this.provider.channels.get(channel).outbound].reverse().map((m) => ({
      id: m.id,
      to: m.to,
      type: m.type,
      payload: m.payload,
      status: m.status,
      timestamp: m.timestamp,
    }));
    return { results };
  }

  /** Both directions of one customer's conversation, oldest first (the page polls it). */
  @Get('sandbox/channels/:channel/conversations/:waId')
  conversation(@Param('channel') channel: string, @Param('waId') waId: string) {
    const c = this.provider.channels.get(channel);
    const inbound = c.inbound
      .filter((m) => m.from === waId)
      .map((m) => ({
        id: m.id,
        direction: 'in',
        type: m.type,
        text: m.text ?? null,
        media_url: m.mediaId ? `/sandbox/media/${m.mediaId}` : null,
        timestamp: m.timestamp,
      }));
    const outbound = c.outbound
      .filter((m) => m.to === waId)
      .map((m) => ({
        id: m.id,
        direction: 'out',
        type: m.type,
        text: textOf(m.payload),
        media_url: mediaUrlOf(m.payload),
        status: m.status,
        timestamp: m.timestamp,
      }));
    return { results: [...inbound, ...outbound].sort((a, b) => a.timestamp - b.timestamp) };
  }
}

function textOf(payload: Json): string | null {
  const text = payload.text as { body?: unknown } | undefined;
  if (typeof text?.body === 'string') return text.body;
  const part = payload[String(payload.type)] as { caption?: unknown; name?: unknown } | undefined;
  if (typeof part?.caption === 'string') return part.caption;
  if (payload.type === 'template' && typeof part?.name === 'string') return `[template ${part.name}]`;
  return `[${String(payload.type)}]`;
}

/** An image the instance sent: uploaded here (by id) or linked. */
function mediaUrlOf(payload: Json): string | null {
  const image = payload.image as { id?: unknown; link?: unknown } | undefined;
  if (typeof image?.id === 'string') return `/sandbox/media/${image.id}`;
  if (typeof image?.link === 'string') return image.link;
  return null;
}

/** Provider errors in the Cloud API's shape; anything else as Nest would answer it. */
@Catch()
export class ProviderErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof ProviderError) {
      void reply
        .status(exception.status)
        .send({ error: { message: exception.message, type: 'OAuthException', code: exception.code } });
    } else if (exception instanceof HttpException) {
      void reply.status(exception.getStatus()).send({ error: { message: exception.message, code: 100 } });
    } else {
      void reply.status(500).send({ error: { message: 'sandbox error', code: 1 } });
    }
  }
}
