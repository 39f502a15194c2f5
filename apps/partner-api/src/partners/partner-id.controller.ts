import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AuthenticatedPartner, CurrentPartner } from '../auth/authenticated-partner';

@ApiTags('partner')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class PartnerIdController {
  /** Confirms which partner the API key belongs to. */
  @Get('partner_id')
  @ApiOkResponse({ schema: { example: { partner_id: 'sandbox' } } })
  @ApiUnauthorizedResponse({ description: 'Missing, malformed or revoked API key' })
  partnerId(@CurrentPartner() partner: AuthenticatedPartner) {
    return { partner_id: partner.id };
  }
}
