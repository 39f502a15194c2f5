import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { bodyValidationPipe } from '@app/common';
import { Partner } from '@app/domain';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AuthenticatedPartner, CurrentPartner } from '../auth/authenticated-partner';
import { JsonObjectBodyPipe } from '../http/pipes';
import { WebhookUrlPolicy } from '../http/webhook-url-policy';
import { PartnerSettingsDto } from './partner-settings.dto';

const EXAMPLE = { event_url: 'https://example.com/inbox-events' };

/** A partner's own settings: for now, where instance events are sent. */
@ApiTags('partner')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing, malformed or revoked API key' })
@UseGuards(ApiKeyGuard)
@Controller('v1/partner/settings')
export class PartnerSettingsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly webhookUrls: WebhookUrlPolicy,
  ) {}

  @Get()
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  async get(@CurrentPartner() partner: AuthenticatedPartner) {
    const found = await this.dataSource.getRepository(Partner).findOneByOrFail({ id: partner.id });
    return { event_url: found.eventUrl };
  }

  /** Idempotent: the settings become exactly what is sent. */
  @Put()
  @ApiOkResponse({ schema: { example: EXAMPLE } })
  @ApiUnprocessableEntityResponse({ description: 'event_url missing or not an http(s) URL' })
  async put(
    @CurrentPartner() partner: AuthenticatedPartner,
    @Body(JsonObjectBodyPipe, bodyValidationPipe()) dto: PartnerSettingsDto,
  ) {
    this.webhookUrls.check(dto.event_url ?? undefined, ['body', 'event_url']);
    await this.dataSource.getRepository(Partner).update({ id: partner.id }, { eventUrl: dto.event_url });
    return { event_url: dto.event_url };
  }
}
