import { once } from 'node:events';
import { waitForHttp } from '../support/wait';
import { DataSource } from 'typeorm';
import { createTestPartner, startApi } from '../support/api-harness';
import { runTs, startTs } from '../support/processes';

describe('partner-api as a process', () => {
  it('refuses to start on bad configuration, naming every bad variable and hiding secret values', async () => {
    const { code, stderr } = await runTs('apps/partner-api/src/main.ts', [], {
      PORT: 'eighty',
      RUNTIME_DRIVER: 'kubernetes',
      SECRETS_ENCRYPTION_KEY: 'too-short-secret',
      REDIS_URL: 'http://not-redis',
    });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT must be an integer (got "eighty")');
    expect(stderr).toContain('SECRETS_ENCRYPTION_KEY must be 32 bytes');
    expect(stderr).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect(stderr).not.toContain('too-short-secret');
  });

  it('writes JSON logs with the request id and never the API key', async () => {
    const helper = await startApi();
    const partner = await createTestPartner(helper.app.get(DataSource));
    await helper.close();
    const port = String(30000 + Math.floor(Math.random() * 20000));
    const { child, output } = startTs('apps/partner-api/src/main.ts', { PORT: port, LOG_LEVEL: 'debug' });
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitForHttp(`${base}/`);
      const res = await fetch(`${base}/v1/instances`, {
        method: 'POST',
        headers: { ...partner.auth, 'Content-Type': 'application/json', 'X-Request-Id': 'trace-me-123' },
        body: JSON.stringify({ channel_id: 'bad-channel' }),
      });
      expect(res.status).toBe(422);
      await new Promise((r) => setTimeout(r, 300));
      const lines = output.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const entry = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'trace-me-123');
      expect(entry).toMatchObject({ msg: 'request completed', res: { statusCode: 422 } });
      expect(output.stdout).not.toContain(partner.apiKey);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  });
});
