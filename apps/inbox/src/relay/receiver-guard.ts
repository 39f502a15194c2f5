import { Injectable } from '@nestjs/common';
import { BootstrapEnv } from '@app/bootstrap';
import { AddressGuard } from '@app/delivery/address-guard';

/**
 * The control plane's SSRF guard (shared, not copied) for the addresses of per-user webhooks,
 * built at first use: WEBHOOK_ALLOW_PRIVATE_NETWORKS is known once the tenant is bound.
 */
@Injectable()
export class ReceiverGuard {
  private guard?: AddressGuard;

  constructor(private readonly config: BootstrapEnv) {}

  get(): AddressGuard {
    return (this.guard ??= new AddressGuard(this.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS));
  }
}
