import { Module } from '@nestjs/common';
import { SecretBox } from '@app/common';
import { PlatformConfig } from '@app/config';
import { InstanceLifecycle, InstanceLifecycleModule } from '@app/instances';
import { createMailTransport } from './activation-mail';
import { AddressGuard } from './address-guard';
import { Deliveries } from './deliveries';

function requireSmtpUrl(config: PlatformConfig): string {
  if (!config.SMTP_URL) throw new Error('SMTP_URL is required by the worker unless RUNTIME_DRIVER=local');
  return config.SMTP_URL;
}

/** Webhooks, e-mails and partner events, built from configuration. */
@Module({
  imports: [InstanceLifecycleModule],
  providers: [
    {
      provide: Deliveries,
      inject: [PlatformConfig, InstanceLifecycle, SecretBox],
      useFactory: (config: PlatformConfig, lifecycle: InstanceLifecycle, secrets: SecretBox) =>
        new Deliveries(
          lifecycle,
          secrets,
          new AddressGuard(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS),
          createMailTransport(requireSmtpUrl(config)),
          config,
        ),
    },
  ],
  exports: [Deliveries],
})
export class DeliveryModule {}
