import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { INSTANCE_STATUSES, InstanceStatus } from '@app/domain';
import { CHANNEL_ID_PATTERN, SUBDOMAIN_PATTERN } from './create-instance.dto';

/** PostgreSQL's OFFSET is a bigint; a partner never has more instances than this. */
export const MAX_OFFSET = 1_000_000_000;

export class ListInstancesQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'Input should be a valid integer' })
  @Min(1, { message: 'Input should be greater than or equal to 1' })
  @Max(100, { message: 'Input should be less than or equal to 100' })
  limit?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'Input should be a valid integer' })
  @Min(0, { message: 'Input should be greater than or equal to 0' })
  @Max(MAX_OFFSET, { message: `Input should be less than or equal to ${MAX_OFFSET}` })
  offset?: number;

  @ApiPropertyOptional({ enum: INSTANCE_STATUSES })
  @IsOptional()
  @IsIn(INSTANCE_STATUSES, { message: `Input should be one of: ${INSTANCE_STATUSES.join(', ')}` })
  status?: InstanceStatus;

  @ApiPropertyOptional({ maxLength: 63, pattern: SUBDOMAIN_PATTERN.source })
  @IsOptional()
  @IsString({ message: 'Input should be a valid string' })
  @MaxLength(63, { message: 'String should have at most 63 characters' })
  @Matches(SUBDOMAIN_PATTERN, { message: `String should match pattern '${SUBDOMAIN_PATTERN.source}'` })
  subdomain?: string;

  @ApiPropertyOptional({ maxLength: 10, pattern: CHANNEL_ID_PATTERN.source })
  @IsOptional()
  @IsString({ message: 'Input should be a valid string' })
  @MaxLength(10, { message: 'String should have at most 10 characters' })
  @Matches(CHANNEL_ID_PATTERN, { message: `String should match pattern '${CHANNEL_ID_PATTERN.source}'` })
  channel_id?: string;
}
