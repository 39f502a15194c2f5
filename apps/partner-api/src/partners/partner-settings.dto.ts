import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, MaxLength, ValidateIf } from 'class-validator';
import { HTTP_URL_PATTERN, IsHttpUrl } from '../http/url-field';

/** `PUT /v1/partner/settings`: where asynchronous instance events go (null stops them). */
export class PartnerSettingsDto {
  @ApiProperty({
    type: 'string',
    nullable: true,
    maxLength: 2048,
    pattern: HTTP_URL_PATTERN.source,
    example: 'https://example.com/inbox-events',
    description:
      'Receives signed instance.ready, instance.failed and instance.deleted events; null turns them off',
  })
  @IsDefined({ message: 'Field required' })
  @ValidateIf((_, value) => value !== null)
  @IsString({ message: 'Input should be a valid string or null' })
  @MaxLength(2048, { message: 'String should have at most 2048 characters' })
  @IsHttpUrl()
  event_url: string | null;
}
