import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { INSTANCE_STATUSES } from '@app/domain';

export class InstanceResponse {
  @ApiProperty({ pattern: '^[0-9a-f]{32}$', example: '167c42d61ed64feb97d3a32508d811a8' }) id: string;
  @ApiProperty({ example: 'mycompany-test' }) subdomain: string;
  @ApiProperty({ example: 'mycompany-test.inbox.example.com' }) base_domain: string;
  @ApiProperty({ example: 'https://mycompany-test.inbox.example.com/api/v1/status/health' })
  health_check: string;
  @ApiProperty({ type: String, nullable: true, example: 'sAnDbCH' }) channel_id: string | null;
  @ApiProperty({ example: 'sandbox' }) partner_id: string;
  @ApiProperty({ enum: INSTANCE_STATUSES }) status: string;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class InstanceCreatedResponse extends InstanceResponse {
  @ApiPropertyOptional({
    description: 'Only when generate_activation is true; works once the instance is healthy',
    example:
      'https://mycompany-test.inbox.example.com/confirm_account?c=a0a08b0e-f79c-4ec7-bbd4-a1697502bff0',
  })
  activation_url?: string;
}

export class InstanceEventResponse {
  @ApiProperty({ example: 'status.accepted' }) type: string;
  @ApiProperty({ type: String, nullable: true }) message: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) data: Record<
    string,
    unknown
  > | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ConfiguratorSummary {
  @ApiProperty() user_name: string;
  @ApiProperty() webhook_url: string;
  @ApiProperty({ type: [String], description: 'Header names only; values are never shown' })
  webhook_header_names: string[];
}

export class InstanceDetailResponse extends InstanceResponse {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the instance is in its status (e.g. the failure reason)',
  })
  status_detail: string | null;
  @ApiProperty({
    type: String,
    enum: ['healthy', 'unhealthy'],
    nullable: true,
    description:
      'While ready: whether the instance answers its health check (watched by the worker; null in other statuses)',
  })
  health: 'healthy' | 'unhealthy' | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  unhealthy_since: string | null;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
  @ApiProperty({ type: String, nullable: true }) admin_email: string | null;
  @ApiProperty() max_number_of_seats: number;
  @ApiProperty() generate_activation: boolean;
  @ApiProperty({ type: ConfiguratorSummary, nullable: true }) configurator: ConfiguratorSummary | null;
  @ApiProperty({ type: [InstanceEventResponse], description: 'Status timeline, oldest first' })
  events: InstanceEventResponse[];
}

export class InstanceListResponse {
  @ApiProperty() count: number;
  @ApiProperty({ type: String, nullable: true }) next: string | null;
  @ApiProperty({ type: String, nullable: true }) previous: string | null;
  @ApiProperty({ type: [InstanceResponse] }) results: InstanceResponse[];
}

class ValidationErrorItem {
  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
    example: ['body', 'subdomain'],
  })
  loc: (string | number)[];
  @ApiProperty({ example: 'subdomain already in use: mycompany-test' }) msg: string;
  @ApiProperty({ example: 'string' }) type: string;
}

export class ValidationErrorResponse {
  @ApiProperty({ type: [ValidationErrorItem] }) detail: ValidationErrorItem[];
}

export class ErrorResponse {
  @ApiProperty({ example: 'Not Found' }) detail: string;
}
