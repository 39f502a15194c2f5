import { randomUrlSafe } from '@app/common/crypto/hashing';
import { WabaCredentialsProvider } from './waba-credentials';

/** The built-in sandbox: no network, a fresh random key per call (like the real provider). */
export class SandboxCredentialsProvider implements WabaCredentialsProvider {
  readonly name = 'sandbox';

  obtainChannelKey(channelId: string): Promise<string> {
    return Promise.resolve(`sandbox_${channelId}_${randomUrlSafe(24).replace(/[^A-Za-z0-9]/g, '')}`);
  }
}
