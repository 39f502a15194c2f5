import { PermanentStepError, TransientStepError } from '@app/common/errors/step-errors';
import { WabaCredentialsProvider } from './waba-credentials';

export interface Dialog360Settings {
  hubUrl: string;
  /** The WhatsApp API instances call with the key. */
  wabaApiUrl: string;
  partnerId: string;
  partnerApiKey: string;
  apiKeyHeader: string;
  timeoutMs: number;
}

interface KeyAnswer {
  api_key?: unknown;
  api_keys?: { api_key?: unknown }[];
}

/**
 * 360dialog's partner API: `POST {hub}/partners/{partner}/channels/{channel}/api_keys`, which
 * issues a new key for the channel (the previous one stops working). Accepts the flat
 * `{"api_key": ...}` answer and the `{"api_keys": [...]}` one. 4xx → permanent, with the
 * provider's reason; 5xx, timeouts and network errors → transient.
 */
export class Dialog360CredentialsProvider implements WabaCredentialsProvider {
  readonly name = '360dialog';

  get wabaApiUrl(): string {
    return this.settings.wabaApiUrl;
  }

  constructor(private readonly settings: Dialog360Settings) {}

  async obtainChannelKey(channelId: string): Promise<string> {
    const { hubUrl, partnerId, partnerApiKey, apiKeyHeader, timeoutMs } = this.settings;
    const url = `${hubUrl.replace(/\/$/, '')}/partners/${encodeURIComponent(partnerId)}/channels/${encodeURIComponent(channelId)}/api_keys`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          [apiKeyHeader]: partnerApiKey,
          Accept: 'application/json',
          'Content-Type': 'application/json',
        },
        body: '{}',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : (error as Error).message;
      throw new TransientStepError(`360dialog could not be reached: ${reason}`);
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      throw new TransientStepError(`360dialog answered ${response.status}; will retry`);
    }
    if (response.status < 200 || response.status >= 300) {
      throw new PermanentStepError(
        `360dialog refused a key for channel ${channelId} (${response.status}): ${reasonOf(text)}`,
      );
    }
    const key = keyOf(text);
    if (!key) throw new TransientStepError(`360dialog answered ${response.status} without an api_key`);
    return key;
  }
}

function keyOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as KeyAnswer;
    const key = body.api_key ?? body.api_keys?.[body.api_keys.length - 1]?.api_key;
    return typeof key === 'string' && key.length > 0 ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The provider's own words, shortened: `meta.developer_message`, `detail`, `message`, or the body. */
function reasonOf(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown> & { meta?: Record<string, unknown> };
    const reason = body.meta?.developer_message ?? body.detail ?? body.message ?? body.error ?? text;
    return String(typeof reason === 'string' ? reason : JSON.stringify(reason)).slice(0, 300);
  } catch {
    return text.slice(0, 300) || 'no reason given';
  }
}
