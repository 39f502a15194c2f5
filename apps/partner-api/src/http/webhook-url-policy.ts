import { Injectable } from '@nestjs/common';
import { ApiValidationError } from '@app/common';
import { PlatformConfig } from '@app/config';
import { AddressGuard, BlockedAddressError } from '@app/delivery';

/**
 * Webhook URLs a partner gives us, refused at once (422) when they name a cloud metadata address or,
 * unless WEBHOOK_ALLOW_PRIVATE_NETWORKS (local mode), a loopback or private one: they used to be
 * accepted and only refused at delivery, where the partner never sees why. Names are resolved and
 * checked again by the delivery, which is the guard that counts (DNS can change).
 */
@Injectable()
export class WebhookUrlPolicy {
  private readonly guard: AddressGuard;

  constructor(config: PlatformConfig) {
    this.guard = new AddressGuard(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS);
  }

  check(url: string | undefined, loc: (string | number)[]): void {
    if (url === undefined) return;
    try {
      this.guard.checkUrl(url);
    } catch (error) {
      if (!(error instanceof BlockedAddressError)) throw error;
      const what = /metadata/.test(error.message)
        ? 'a cloud metadata or link-local address'
        : 'a loopback, private or reserved address';
      throw ApiValidationError.single(loc, `URL may not point at ${what}`, 'url_blocked');
    }
  }
}
