import { randomUrlSafe } from '@app/common/crypto/hashing';
import { WabaCredentialsProvider } from './waba-credentials';

/**
 * The local WhatsApp sandbox (apps/waba-sandbox): a fresh random key per call, like the real
 * provider, that names its channel (`sandbox_<channel>_<random>`): the sandbox reads the channel
 * from the key, so nothing has to be registered there and no network call is made here.
 */
export class SandboxCredentialsProvider implements WabaCredentialsProvider {
  readonly name = 'sandbox';

  constructor(readonly wabaApiUrl: string) {}

  obtainChannelKey(channelId: string): Promise<string> {
    return Promise.resolve(`sandbox_${channelId}_${randomUrlSafe(24).replace(/[^A-Za-z0-9]/g, '')}`);
  }
}
