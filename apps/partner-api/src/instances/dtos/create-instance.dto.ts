import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDefined,
  IsEmail,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { HTTP_URL_PATTERN, IsHttpUrl } from '../../http/url-field';
import { IsHeaderMap } from './header-map.validator';

/** Channel ids and 360dialog keys (seed 001). */
export const CHANNEL_ID_PATTERN = /^[a-zA-Z0-9]+$/;
const ALNUM = CHANNEL_ID_PATTERN;
/** An RFC 1035 / DNS-1123 label: lowercase letters, digits and inner hyphens. */
export const SUBDOMAIN_PATTERN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)?$/;
/** Django's username rule, which the inbox instance enforces too. */
const USERNAME = /^[\w.@+-]+$/;

const tooLong = (n: number) => ({ message: `String should have at most ${n} characters` });
const pattern = (p: RegExp) => ({ message: `String should match pattern '${p.source}'` });
const isString = { message: 'Input should be a valid string' };
const required = { message: 'Field required' };

export class ConfiguratorDto {
  @ApiProperty({
    maxLength: 150,
    pattern: USERNAME.source,
    example: 'service_account',
    description: 'User name of the Configurator User',
  })
  @IsDefined(required)
  @IsString(isString)
  @MaxLength(150, tooLong(150))
  @Matches(USERNAME, pattern(USERNAME))
  user_name: string;

  @ApiProperty({
    maxLength: 2048,
    pattern: HTTP_URL_PATTERN.source,
    example: 'https://example.com/webhook',
    description: 'Receives `{"token": "..."}` once the instance is ready',
  })
  @IsDefined(required)
  @IsString(isString)
  @MaxLength(2048, tooLong(2048))
  @IsHttpUrl()
  webhook_url: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    maxProperties: 20,
    example: { Authorization: 'Bearer my-secret' },
    description: 'Sent with the webhook; values are never shown again',
  })
  @IsOptional()
  @IsHeaderMap()
  webhook_headers?: Record<string, string>;
}

/** `POST /v1/instances`, seed 001 field by field. */
export class CreateInstanceDto {
  @ApiPropertyOptional({
    maxLength: 10,
    pattern: CHANNEL_ID_PATTERN.source,
    example: 'sAnDbCH',
    description: '360dialog channel to connect. Exactly one of channel_id and d360_api_key.',
  })
  @IsOptional()
  @IsString(isString)
  @MaxLength(10, tooLong(10))
  @Matches(ALNUM, pattern(ALNUM))
  channel_id?: string;

  @ApiPropertyOptional({
    maxLength: 50,
    pattern: CHANNEL_ID_PATTERN.source,
    description: 'Existing 360dialog API key. Exactly one of channel_id and d360_api_key. Never shown again.',
  })
  @IsOptional()
  @IsString(isString)
  @MaxLength(50, tooLong(50))
  @Matches(ALNUM, pattern(ALNUM))
  d360_api_key?: string;

  @ApiPropertyOptional({
    maxLength: 63,
    pattern: SUBDOMAIN_PATTERN.source,
    example: 'sandbox',
    description:
      "Blank: the generated instance id. Names starting with `websockets-` are reserved (each instance's websocket host is `websockets-{subdomain}`): 422.",
  })
  @IsOptional()
  @IsString(isString)
  @MaxLength(63, tooLong(63))
  @Matches(SUBDOMAIN_PATTERN, {
    message:
      'Subdomain should be a DNS label: lowercase letters, digits and hyphens, not starting or ending with a hyphen',
  })
  subdomain?: string;

  @ApiPropertyOptional({
    format: 'email',
    maxLength: 254,
    example: 'user@example.com',
    description: 'Admin user name; receives the activation e-mail',
  })
  @IsOptional()
  @IsString(isString)
  @MaxLength(254, tooLong(254))
  @IsEmail({}, { message: 'value is not a valid email address' })
  admin_email?: string;

  @ApiPropertyOptional({ default: false, description: 'Return a pre-generated activation URL' })
  @IsOptional()
  @IsBoolean({ message: 'Input should be a valid boolean' })
  generate_activation?: boolean;

  @ApiPropertyOptional({ type: ConfiguratorDto })
  @IsOptional()
  @IsObject({ message: 'Input should be a valid dictionary or object to extract fields from' })
  @ValidateNested()
  @Type(() => ConfiguratorDto)
  configurator?: ConfiguratorDto;

  @ApiPropertyOptional({
    type: 'integer',
    default: 5,
    minimum: 1,
    maximum: 10_000,
    description: "Seats limit; at most the partner's own limit (a larger value is a 422)",
  })
  @IsOptional()
  @IsInt({ message: 'Input should be a valid integer' })
  @Min(1, { message: 'Input should be greater than or equal to 1' })
  @Max(10_000, { message: 'Input should be less than or equal to 10000' })
  max_number_of_seats?: number;
}
