import { Injectable } from '@nestjs/common';
import { DataSource, FindOptionsWhere } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { ApiError, SecretBox } from '@app/common';
import { Instance, InstanceEvent } from '@app/domain';
import { InstanceDetailResponse, InstanceResponse } from '../../dtos/instance.response';
import { ListInstancesQuery } from '../../dtos/list-instances.query';
import { presentInstance, presentInstanceDetail } from '../../instance.presenter';

export const DEFAULT_PAGE_SIZE = 20;

/** Reads a partner's own instances; another partner's instance is indistinguishable from none. */
@Injectable()
export class QueryInstancesUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: PlatformConfig,
    private readonly secrets: SecretBox,
  ) {}

  async list(
    partnerId: string,
    query: ListInstancesQuery,
  ): Promise<{ count: number; results: InstanceResponse[] }> {
    const where: FindOptionsWhere<Instance> = { partnerId };
    if (query.status) where.status = query.status;
    if (query.subdomain) where.subdomain = query.subdomain;
    if (query.channel_id) where.channelId = query.channel_id;
    const [instances, count] = await this.dataSource.getRepository(Instance).findAndCount({
      where,
      order: { createdAt: 'DESC', id: 'DESC' },
      take: query.limit ?? DEFAULT_PAGE_SIZE,
      skip: query.offset ?? 0,
    });
    return { count, results: instances.map((i) => presentInstance(this.config, i)) };
  }

  async get(partnerId: string, instanceId: string): Promise<InstanceDetailResponse> {
    const instance = await this.dataSource.getRepository(Instance).findOneBy({ id: instanceId, partnerId });
    if (!instance) throw new ApiError(404, 'Not Found');
    const events = await this.dataSource
      .getRepository(InstanceEvent)
      .find({ where: { instanceId }, order: { id: 'ASC' } });
    const headerNames = instance.configuratorWebhookHeadersEnc
      ? Object.keys(JSON.parse(this.secrets.decrypt(instance.configuratorWebhookHeadersEnc)) as object)
      : [];
    return presentInstanceDetail(this.config, instance, events, headerNames);
  }
}
