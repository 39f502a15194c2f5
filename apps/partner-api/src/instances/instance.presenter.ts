import { PlatformConfig } from '@app/config';
import { Instance, InstanceEvent, instanceUrls } from '@app/domain';
import { InstanceDetailResponse, InstanceResponse } from './dtos/instance.response';

/** The public view of an instance: never a secret, never a header value. */
export function presentInstance(config: PlatformConfig, instance: Instance): InstanceResponse {
  const urls = instanceUrls(config, instance.subdomain);
  return {
    id: instance.id,
    subdomain: instance.subdomain,
    base_domain: urls.baseDomain,
    health_check: urls.healthCheck,
    channel_id: instance.channelId,
    partner_id: instance.partnerId,
    status: instance.status,
    created_at: instance.createdAt.toISOString(),
  };
}

export function presentInstanceDetail(
  config: PlatformConfig,
  instance: Instance,
  events: InstanceEvent[],
  webhookHeaderNames: string[],
): InstanceDetailResponse {
  return {
    ...presentInstance(config, instance),
    status_detail: instance.statusDetail,
    health: instance.status !== 'ready' ? null : instance.unhealthySince ? 'unhealthy' : 'healthy',
    unhealthy_since: instance.unhealthySince?.toISOString() ?? null,
    updated_at: instance.updatedAt.toISOString(),
    admin_email: instance.adminEmail,
    max_number_of_seats: instance.maxNumberOfSeats,
    generate_activation: instance.generateActivation,
    configurator:
      instance.configuratorUserName && instance.configuratorWebhookUrl
        ? {
            user_name: instance.configuratorUserName,
            webhook_url: instance.configuratorWebhookUrl,
            webhook_header_names: webhookHeaderNames,
          }
        : null,
    events: events.map((e) => ({
      type: e.type,
      message: e.message,
      data: e.data,
      created_at: e.createdAt.toISOString(),
    })),
  };
}
