import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bodyValidationPipe, queryValidationPipe } from '@app/common';
import { PlatformConfig } from '@app/config';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AuthenticatedPartner, CurrentPartner } from '../auth/authenticated-partner';
import { InstanceIdPipe, JsonObjectBodyPipe } from '../http/pipes';
import { WebhookUrlPolicy } from '../http/webhook-url-policy';
import { pageLinks } from '../http/pagination';
import { IDEMPOTENCY_HEADER, IdempotencyService } from '../idempotency/idempotency.service';
import { requestFingerprint } from '../idempotency/request-fingerprint';
import { CreateInstanceDto } from './dtos/create-instance.dto';
import {
  ErrorResponse,
  InstanceCreatedResponse,
  InstanceDetailResponse,
  InstanceListResponse,
  InstanceResponse,
  ValidationErrorResponse,
} from './dtos/instance.response';
import { ListInstancesQuery } from './dtos/list-instances.query';
import { CreateInstanceCommand } from './usecases/create-instance/create-instance.command';
import { CreateInstanceUseCase } from './usecases/create-instance/create-instance.usecase';
import { DeleteInstanceUseCase } from './usecases/delete-instance/delete-instance.usecase';
import { DEFAULT_PAGE_SIZE, QueryInstancesUseCase } from './usecases/query-instances/query-instances.usecase';

const INSTANCE_ID_PARAM = {
  name: 'instance_id',
  description: 'The instance id: 32 lowercase hexadecimal characters',
  schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
} as const;

@ApiTags('instances')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponse, description: 'Missing, malformed or revoked API key' })
@UseGuards(ApiKeyGuard)
@Controller('v1/instances')
export class InstancesController {
  constructor(
    private readonly createInstance: CreateInstanceUseCase,
    private readonly deleteInstance: DeleteInstanceUseCase,
    private readonly queryInstances: QueryInstancesUseCase,
    private readonly idempotency: IdempotencyService,
    private readonly config: PlatformConfig,
    private readonly webhookUrls: WebhookUrlPolicy,
  ) {}

  /** Deploys a new instance (seed 001). Slow work happens in the worker; poll the instance or its health_check. */
  @Post()
  @HttpCode(201)
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Replays the first answer for 24 h; another body → 422; still running → 409',
  })
  @ApiCreatedResponse({ type: InstanceCreatedResponse })
  @ApiUnprocessableEntityResponse({
    type: ValidationErrorResponse,
    description: 'Invalid body, subdomain or channel in use, reused Idempotency-Key',
  })
  @ApiForbiddenResponse({ type: ErrorResponse, description: 'Live-instance quota exceeded' })
  @ApiConflictResponse({
    type: ErrorResponse,
    description: 'A request with the same Idempotency-Key is still running',
  })
  @ApiPayloadTooLargeResponse({ type: ErrorResponse, description: 'Body over 64 KiB' })
  async create(
    @CurrentPartner() partner: AuthenticatedPartner,
    @Body(JsonObjectBodyPipe, bodyValidationPipe()) dto: CreateInstanceDto,
    @Headers(IDEMPOTENCY_HEADER) idempotencyKey: string | undefined,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) response: FastifyReply,
  ): Promise<unknown> {
    this.webhookUrls.check(dto.configurator?.webhook_url, ['body', 'configurator', 'webhook_url']);
    const key = idempotencyKey ?? null;
    const command = CreateInstanceCommand.from(partner, dto, key);
    if (key === null) return this.createInstance.execute(command);
    const start = await this.idempotency.begin(
      partner.id,
      key,
      requestFingerprint('POST', '/v1/instances', request.body),
    );
    if (start.kind === 'replay') {
      void response.status(start.status).header('Idempotent-Replayed', 'true');
      return start.body;
    }
    try {
      return await this.createInstance.execute(command);
    } catch (error) {
      await this.idempotency.abandon(partner.id, key);
      throw error;
    }
  }

  /** The partner's own instances, newest first. */
  @Get()
  @ApiOkResponse({ type: InstanceListResponse })
  @ApiUnprocessableEntityResponse({ type: ValidationErrorResponse })
  async list(
    @CurrentPartner() partner: AuthenticatedPartner,
    @Query(queryValidationPipe()) query: ListInstancesQuery,
    @Req() request: FastifyRequest,
  ): Promise<InstanceListResponse> {
    const { count, results } = await this.queryInstances.list(partner.id, query);
    return {
      count,
      ...pageLinks(
        this.config.PUBLIC_API_URL,
        request,
        count,
        query.limit ?? DEFAULT_PAGE_SIZE,
        query.offset ?? 0,
      ),
      results,
    };
  }

  /** One instance with its status, status_detail and events timeline. */
  @Get(':instance_id')
  @ApiParam(INSTANCE_ID_PARAM)
  @ApiOkResponse({ type: InstanceDetailResponse })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ type: ValidationErrorResponse, description: 'Malformed instance id' })
  get(
    @CurrentPartner() partner: AuthenticatedPartner,
    @Param('instance_id', InstanceIdPipe) instanceId: string,
  ): Promise<InstanceDetailResponse> {
    return this.queryInstances.get(partner.id, instanceId);
  }

  /** Tears the instance down (runtime, database, secrets). Idempotent. */
  @Delete(':instance_id')
  @HttpCode(202)
  @ApiParam(INSTANCE_ID_PARAM)
  @ApiAcceptedResponse({
    type: InstanceResponse,
    description:
      'Teardown accepted. The instance stays readable (status `deleting`, then `deleted`): deletion is asynchronous and its record is kept.',
  })
  @ApiNotFoundResponse({ type: ErrorResponse })
  @ApiUnprocessableEntityResponse({ type: ValidationErrorResponse, description: 'Malformed instance id' })
  delete(
    @CurrentPartner() partner: AuthenticatedPartner,
    @Param('instance_id', InstanceIdPipe) instanceId: string,
  ): Promise<InstanceResponse> {
    return this.deleteInstance.execute(partner.id, instanceId);
  }
}
