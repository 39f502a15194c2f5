import { PlatformConfig } from '@app/config';
import { Dialog360CredentialsProvider } from './dialog360-credentials.provider';
import { SandboxCredentialsProvider } from './sandbox-credentials.provider';
import { WabaCredentialsProvider } from './waba-credentials';

/** WABA_PROVIDER chooses: `sandbox` (default, the local WhatsApp sandbox) or `360dialog`. */
export function credentialsProviderFor(config: PlatformConfig): WabaCredentialsProvider {
  if (config.WABA_PROVIDER === 'sandbox') return new SandboxCredentialsProvider(config.WABA_SANDBOX_URL);
  return new Dialog360CredentialsProvider({
    hubUrl: config.D360_HUB_URL!,
    wabaApiUrl: config.D360_WABA_API_URL,
    partnerId: config.D360_PARTNER_ID!,
    partnerApiKey: config.D360_PARTNER_API_KEY!,
    apiKeyHeader: config.D360_API_KEY_HEADER,
    timeoutMs: config.PROVIDER_TIMEOUT_MS,
  });
}
