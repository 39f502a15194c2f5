import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { INSTANCE_STATUSES, InstanceStatus } from '@app/domain';

export class ListInstancesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'Input should be a valid integer' })
  @Min(1, { message: 'Input should be greater than or equal to 1' })
  @Max(100, { message: 'Input should be less than or equal to 100' })
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'Input should be a valid integer' })
  @Min(0, { message: 'Input should be greater than or equal to 0' })
  offset?: number;

  @ApiPropertyOptional({ enum: INSTANCE_STATUSES })
  @IsOptional()
  @IsIn(INSTANCE_STATUSES, { message: `Input should be one of: ${INSTANCE_STATUSES.join(', ')}` })
  status?: InstanceStatus;

  @ApiPropertyOptional({ maxLength: 63 })
  @IsOptional()
  @IsString({ message: 'Input should be a valid string' })
  @MaxLength(63, { message: 'String should have at most 63 characters' })
  subdomain?: string;

  @ApiPropertyOptional({ maxLength: 10 })
  @IsOptional()
  @IsString({ message: 'Input should be a valid string' })
  @MaxLength(10, { message: 'String should have at most 10 characters' })
  channel_id?: string;
}
