import request from 'supertest';
import { DataSource } from 'typeorm';
import { PartnerAdminService } from '@app/domain';
import { TestPartner, createTestPartner, partnerAdmin, startApi } from '../support/api-harness';

describe('API key authentication', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let partner: TestPartner;
  let admin: PartnerAdminService;

  beforeAll(async () => {
    api = await startApi();
    const dataSource = api.app.get(DataSource);
    partner = await createTestPartner(dataSource);
    admin = partnerAdmin(dataSource);
  });
  afterAll(() => api.close());

  const http = () => request(api.app.getHttpServer());

  it('answers the health checks without a key', async () => {
    for (const path of ['/', '/v1/', '/v1']) {
      const res = await http().get(path);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'healthy' });
    }
  });

  it('tells the partner which partner id its key belongs to', async () => {
    const res = await http().get('/v1/partner_id').set(partner.auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ partner_id: partner.partnerId });
  });

  it.each([
    ['no Authorization header', undefined, 'Not authenticated', 'Bearer'],
    [
      'an unknown key',
      'Bearer pp_unknownkeyunknownkeyunknownkey',
      'Invalid or revoked API key',
      'Bearer error="invalid_token"',
    ],
    [
      'another scheme',
      'Basic dXNlcjpwYXNz',
      'Invalid authorization header: expected "Bearer <api key>"',
      'Bearer error="invalid_request"',
    ],
    [
      'a Bearer with no key',
      'Bearer ',
      'Invalid authorization header: expected "Bearer <api key>"',
      'Bearer error="invalid_request"',
    ],
  ])('answers %s with 401 and WWW-Authenticate', async (_, header, detail, challenge) => {
    for (const [method, path] of [
      ['get', '/v1/partner_id'],
      ['get', '/v1/instances'],
      ['post', '/v1/instances'],
      ['get', '/v1/instances/0123456789abcdef0123456789abcdef'],
      ['delete', '/v1/instances/0123456789abcdef0123456789abcdef'],
    ] as const) {
      let req = http()[method](path);
      if (header !== undefined) req = req.set('Authorization', header);
      const res = await req;
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ detail });
      expect(res.headers['www-authenticate']).toBe(challenge);
    }
  });

  it('accepts a second key and refuses a revoked one within API_KEY_CACHE_TTL_MS', async () => {
    const second = await admin.issueKey(partner.partnerId);
    const withSecond = () => http().get('/v1/partner_id').set('Authorization', `Bearer ${second.api_key}`);
    expect((await withSecond()).status).toBe(200);
    await admin.revokeKey(second.key_id);
    const revokedAt = Date.now();
    while ((await withSecond()).status === 200) await new Promise((r) => setTimeout(r, 50));
    expect(Date.now() - revokedAt).toBeLessThan(2000 + 500);
    expect((await withSecond()).status).toBe(401);
    expect((await http().get('/v1/partner_id').set(partner.auth)).status).toBe(200);
  });

  it('refuses a revoked key at once when the key cache is off', async () => {
    const uncached = await startApi({ API_KEY_CACHE_TTL_MS: '0' });
    try {
      const third = await admin.issueKey(partner.partnerId);
      const withThird = () =>
        request(uncached.app.getHttpServer())
          .get('/v1/partner_id')
          .set('Authorization', `Bearer ${third.api_key}`);
      expect((await withThird()).status).toBe(200);
      await admin.revokeKey(third.key_id);
      expect((await withThird()).status).toBe(401);
    } finally {
      await uncached.close();
    }
  });

  it('stores keys only as SHA-256 hashes with a short visible prefix', async () => {
    const rows = await api.app
      .get(DataSource)
      .query(`SELECT prefix, key_sha256 FROM api_keys WHERE partner_id = $1`, [partner.partnerId]);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.key_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(row.prefix).toHaveLength(12);
    }
    expect(JSON.stringify(rows)).not.toContain(partner.apiKey);
    expect(partner.apiKey.startsWith(rows[0].prefix)).toBe(true);
  });

  it('echoes a sane X-Request-Id and generates one otherwise', async () => {
    expect((await http().get('/').set('X-Request-Id', 'abc-123')).headers['x-request-id']).toBe('abc-123');
    expect((await http().get('/').set('X-Request-Id', 'bad id with spaces')).headers['x-request-id']).toMatch(
      /^[0-9a-f-]{36}$/,
    );
  });

  it("answers an unknown route with FastAPI's 404", async () => {
    const res = await http().get('/v1/nothing-here').set(partner.auth);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });
});
