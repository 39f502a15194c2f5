import { ConfigError, loadConfig } from './load-config';

describe('loadConfig', () => {
  it('works with no variables at all, with the documented local defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/partner_platform',
      TENANT_DATABASE_ADMIN_URL: 'postgres://postgres@127.0.0.1:5432/partner_platform',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RUNTIME_DRIVER: 'local',
      WABA_PROVIDER: 'sandbox',
      BASE_DOMAIN: 'localhost:8080',
      PUBLIC_SCHEME: 'http',
      GATEWAY_PORT: 8080,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
    });
  });

  it('turns private-network webhooks off by default outside local mode', () => {
    const config = loadConfig({ RUNTIME_DRIVER: 'kubernetes', SECRETS_ENCRYPTION_KEY: 'a'.repeat(64) });
    expect(config.WEBHOOK_ALLOW_PRIVATE_NETWORKS).toBe(false);
    expect(
      loadConfig({
        RUNTIME_DRIVER: 'kubernetes',
        SECRETS_ENCRYPTION_KEY: 'a'.repeat(64),
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'yes',
      }).WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    ).toBe(true);
  });

  it('requires SECRETS_ENCRYPTION_KEY outside local mode', () => {
    expect(() => loadConfig({ RUNTIME_DRIVER: 'kubernetes' })).toThrow(
      /SECRETS_ENCRYPTION_KEY must be 32 bytes/,
    );
  });

  it('names every bad variable at once and never echoes a secret', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        PORT: '70000',
        GATEWAY_PORT: 'x',
        PUBLIC_SCHEME: 'ftp',
        DATABASE_URL: 'mysql://secret@host/db',
        SECRETS_ENCRYPTION_KEY: 'hunter2',
      });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.message;
    for (const name of ['PORT', 'GATEWAY_PORT', 'PUBLIC_SCHEME', 'DATABASE_URL', 'SECRETS_ENCRYPTION_KEY'])
      expect(text).toContain(name);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('mysql://secret');
  });
});

describe('loadConfig for the 360dialog provider', () => {
  it('requires the partner API settings when WABA_PROVIDER=360dialog, and reads them', () => {
    expect(() => loadConfig({ WABA_PROVIDER: '360dialog' })).toThrow(
      /D360_HUB_URL[\s\S]*D360_PARTNER_ID[\s\S]*D360_PARTNER_API_KEY/,
    );
    const config = loadConfig({
      WABA_PROVIDER: '360dialog',
      D360_HUB_URL: 'https://hub.360dialog.io/api/v2',
      D360_PARTNER_ID: 'abc123',
      D360_PARTNER_API_KEY: 'secret-partner-key',
    });
    expect(config).toMatchObject({
      D360_HUB_URL: 'https://hub.360dialog.io/api/v2',
      D360_PARTNER_ID: 'abc123',
      D360_API_KEY_HEADER: 'x-api-key',
    });
  });
});
