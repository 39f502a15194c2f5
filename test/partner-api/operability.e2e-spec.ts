import request from 'supertest';
import { DataSource } from 'typeorm';
import { TcpProxy } from '../support/tcp-proxy';
import { TestPartner, createTestPartner, startApi, uniqueChannel } from '../support/api-harness';

describe('operability: readiness, metrics, OpenAPI', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let partner: TestPartner;
  const http = () => request(api.app.getHttpServer());

  beforeAll(async () => {
    api = await startApi();
    partner = await createTestPartner(api.app.get(DataSource));
  });
  afterAll(() => api.close());

  it('is ready when PostgreSQL and Redis answer', async () => {
    const res = await http().get('/health/ready');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', checks: { postgres: 'ok', redis: 'ok' } });
    expect((await http().get('/health/live')).status).toBe(200);
  });

  it('answers 503 when PostgreSQL is unreachable, and recovers', async () => {
    const proxy = new TcpProxy(5432);
    const port = await proxy.start();
    const url = new URL(process.env.DATABASE_URL!);
    url.port = String(port);
    const cut = await startApi({ DATABASE_URL: url.toString() });
    try {
      expect((await request(cut.app.getHttpServer()).get('/health/ready')).status).toBe(200);
      await proxy.stop();
      const down = await request(cut.app.getHttpServer()).get('/health/ready');
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('unavailable');
      expect(down.body.checks.postgres).toMatch(/^error/);
      expect(down.body.checks.redis).toBe('ok');
      await proxy.start(port);
      expect((await request(cut.app.getHttpServer()).get('/health/ready')).status).toBe(200);
    } finally {
      await cut.close();
      await proxy.stop();
    }
  });

  it('exposes Prometheus metrics: request latency by route and instances by status', async () => {
    await http().post('/v1/instances').set(partner.auth).send({ channel_id: uniqueChannel() }).expect(201);
    await http().get('/v1/instances/0123456789abcdef0123456789abcdef').set(partner.auth).expect(404);
    const res = await http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(
      /http_request_duration_seconds_bucket\{le="0.05",method="POST",route="\/v1\/instances",status_code="201"\} [1-9]/,
    );
    expect(res.text).toContain('route="/v1/instances/:instance_id",status_code="404"');
    expect(res.text).toMatch(/partner_platform_instances\{status="accepted"\} [1-9]/);
    expect(res.text).toContain('partner_platform_instances{status="deleted"}');
    expect(res.text).toContain('process_resident_memory_bytes');
  });

  it('serves OpenAPI at /openapi.json and Swagger UI at /docs, matching the real routes and rules', async () => {
    const doc = (await http().get('/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/',
        '/v1',
        '/v1/instances',
        '/v1/instances/{instance_id}',
        '/v1/partner/settings',
        '/v1/partner_id',
      ].sort(),
    );
    expect(Object.keys(doc.paths['/v1/instances']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/instances/{instance_id}']).sort()).toEqual(['delete', 'get']);
    // Exactly one of channel_id and d360_api_key: two complete alternatives, unknown fields refused.
    const [byChannel, byKey] = doc.components.schemas.CreateInstanceDto.oneOf;
    expect(byChannel.required).toEqual(['channel_id']);
    expect(byChannel.properties.d360_api_key).toBeUndefined();
    expect(byKey.required).toEqual(['d360_api_key']);
    expect(byKey.properties.channel_id).toBeUndefined();
    expect([byChannel.additionalProperties, byKey.additionalProperties]).toEqual([false, false]);
    const create = { ...byChannel.properties, ...byKey.properties };
    expect(create.channel_id).toMatchObject({ maxLength: 10, pattern: '^[a-zA-Z0-9]+$' });
    expect(create.d360_api_key).toMatchObject({ maxLength: 50, pattern: '^[a-zA-Z0-9]+$' });
    expect(create.subdomain).toMatchObject({ maxLength: 63 });
    expect(create.generate_activation).toMatchObject({ default: false });
    expect(create.max_number_of_seats).toMatchObject({
      type: 'integer',
      default: 5,
      minimum: 1,
      maximum: 10_000,
    });
    expect(doc.components.schemas.ConfiguratorDto.required.sort()).toEqual(['user_name', 'webhook_url']);
    const responses = doc.paths['/v1/instances'].post.responses;
    expect(Object.keys(responses).sort()).toEqual(['201', '401', '403', '409', '413', '422']);
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const ui = await http().get('/docs').redirects(1);
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });

  it('documents every field the real create response has', async () => {
    const doc = (await http().get('/openapi.json')).body;
    const res = await http()
      .post('/v1/instances')
      .set(partner.auth)
      .send({ channel_id: uniqueChannel(), generate_activation: true });
    const documented = new Set([
      ...Object.keys(doc.components.schemas.InstanceCreatedResponse.properties ?? {}),
      ...collectAllOf(doc, 'InstanceCreatedResponse'),
    ]);
    for (const field of Object.keys(res.body)) expect(documented).toContain(field);
  });
});

/** Nest swagger renders `extends` as allOf: gather the parent's properties too. */
function collectAllOf(
  doc: { components: { schemas: Record<string, { allOf?: { $ref?: string }[]; properties?: object }> } },
  name: string,
): string[] {
  const schema = doc.components.schemas[name];
  return (schema.allOf ?? []).flatMap((part) => {
    const ref = part.$ref?.split('/').pop();
    return ref
      ? [...Object.keys(doc.components.schemas[ref].properties ?? {}), ...collectAllOf(doc, ref)]
      : Object.keys((part as { properties?: object }).properties ?? {});
  });
}
