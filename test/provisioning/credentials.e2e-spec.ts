import { loadConfig } from '@app/config';
import {
  Dialog360CredentialsProvider,
  SandboxCredentialsProvider,
  credentialsProviderFor,
} from '@app/provisioning';
import { PermanentStepError, TransientStepError } from '@app/common';
import { json, startReceiver } from '../support/http-receiver';

/** A fake of 360dialog's partner API over real HTTP; the provider under test is the real client. */
describe('WhatsApp channel credentials', () => {
  let answer: (channel: string) => [number, unknown] | 'hang';
  let fake: Awaited<ReturnType<typeof startReceiver>>;
  const provider = (timeoutMs = 2000) =>
    new Dialog360CredentialsProvider({
      hubUrl: `${fake.url}/api/v2/`,
      wabaApiUrl: 'https://waba-v2.360dialog.io',
      partnerId: 'pArTnEr',
      partnerApiKey: 'partner-secret',
      apiKeyHeader: 'x-api-key',
      timeoutMs,
    });

  beforeAll(async () => {
    fake = await startReceiver((req, res) => {
      const match = /^\/api\/v2\/partners\/pArTnEr\/channels\/(\w+)\/api_keys$/.exec(req.url);
      if (req.method !== 'POST' || !match) return json(res, 404, { detail: 'no such route' });
      if (req.headers['x-api-key'] !== 'partner-secret') return json(res, 401, { detail: 'bad partner key' });
      const decided = answer(match[1]);
      if (decided === 'hang') return; // never answers
      json(res, decided[0], decided[1]);
    });
  });
  afterAll(() => fake.close());

  it("posts to the channel's api_keys with the partner key header and reads a flat 201 answer", async () => {
    answer = () => [
      201,
      { address: 'https://waba.360dialog.io', api_key: 'NEWkey123', app_id: 'x', id: 'y' },
    ];
    await expect(provider().obtainChannelKey('ChAnElCH')).resolves.toBe('NEWkey123');
    const last = fake.received[fake.received.length - 1];
    expect(last.url).toBe('/api/v2/partners/pArTnEr/channels/ChAnElCH/api_keys');
    expect(last.headers['x-api-key']).toBe('partner-secret');
  });

  it('reads the {"api_keys": [...]} answer too (the newest key)', async () => {
    answer = () => [200, { api_keys: [{ api_key: 'older' }, { api_key: 'newest' }] }];
    await expect(provider().obtainChannelKey('ChAnElCH')).resolves.toBe('newest');
  });

  it("fails permanently on a 4xx, with the provider's reason", async () => {
    answer = (channel) => [400, { meta: { developer_message: `Channel ${channel} is not in your hub` } }];
    const error = await provider()
      .obtainChannelKey('unknownCh')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect((error as Error).message).toBe(
      '360dialog refused a key for channel unknownCh (400): Channel unknownCh is not in your hub',
    );
  });

  const transientAnswers: [string, [number, unknown]][] = [
    ['a 5xx', [503, { detail: 'maintenance' }]],
    ['a 429', [429, {}]],
    ['a 2xx without a key', [201, { id: 'no key here' }]],
  ];
  it.each(transientAnswers)('retries on %s', async (_, decided) => {
    answer = () => decided;
    await expect(provider().obtainChannelKey('ChAnElCH')).rejects.toBeInstanceOf(TransientStepError);
  });

  it('retries on a timeout and on a refused connection', async () => {
    answer = () => 'hang';
    const timedOut = await provider(300)
      .obtainChannelKey('ChAnElCH')
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(TransientStepError);
    expect((timedOut as Error).message).toContain('no answer within 300 ms');
    const refused = new Dialog360CredentialsProvider({
      hubUrl: 'http://127.0.0.1:1',
      wabaApiUrl: 'https://waba-v2.360dialog.io',
      partnerId: 'p',
      partnerApiKey: 'k',
      apiKeyHeader: 'x-api-key',
      timeoutMs: 1000,
    });
    await expect(refused.obtainChannelKey('ChAnElCH')).rejects.toBeInstanceOf(TransientStepError);
  });

  it('uses the sandbox by default: no network, a new key each time', async () => {
    const chosen = credentialsProviderFor(loadConfig({}));
    expect(chosen).toBeInstanceOf(SandboxCredentialsProvider);
    const [a, b] = [await chosen.obtainChannelKey('ChAnElCH'), await chosen.obtainChannelKey('ChAnElCH')];
    expect(a).toMatch(/^sandbox_ChAnElCH_[A-Za-z0-9]+$/);
    expect(a).not.toBe(b);
    const configured = credentialsProviderFor(
      loadConfig({
        WABA_PROVIDER: '360dialog',
        D360_HUB_URL: fake.url,
        D360_PARTNER_ID: 'pArTnEr',
        D360_PARTNER_API_KEY: 'k',
      }),
    );
    expect(configured).toBeInstanceOf(Dialog360CredentialsProvider);
  });
});
