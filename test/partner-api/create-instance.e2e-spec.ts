import request from 'supertest';
import { DataSource } from 'typeorm';
import { Instance, OutboxMessage } from '@app/domain';
import { SecretBox } from '@app/common';
import { JobPublisher } from '@app/queue';
import { TestPartner, createTestPartner, startApi, unique, uniqueChannel } from '../support/api-harness';

describe('POST /v1/instances', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let dataSource: DataSource;
  let partner: TestPartner;

  beforeAll(async () => {
    api = await startApi();
    dataSource = api.app.get(DataSource);
    partner = await createTestPartner(dataSource, { maxSeats: 10 });
  });
  afterAll(() => api.close());

  const post = (body: unknown, who: TestPartner = partner) =>
    request(api.app.getHttpServer())
      .post('/v1/instances')
      .set(who.auth)
      .send(body as object);

  const only422 = async (body: unknown, loc: (string | number)[], type: string) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual(expect.arrayContaining([expect.objectContaining({ loc, type })]));
    return res.body.detail as { loc: unknown[]; msg: string; type: string }[];
  };

  it('creates an instance with seed 001 example 1 (generate_activation) and returns the contract fields', async () => {
    const subdomain = unique('s');
    const res = await post({ subdomain, channel_id: uniqueChannel(), generate_activation: true });
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        'activation_url',
        'base_domain',
        'channel_id',
        'created_at',
        'health_check',
        'id',
        'partner_id',
        'status',
        'subdomain',
      ].sort(),
    );
    expect(res.body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(res.body.base_domain).toBe(`${subdomain}.localhost:8080`);
    expect(res.body.health_check).toBe(`http://${subdomain}.localhost:8080/api/v1/status/health`);
    expect(res.body.activation_url).toMatch(
      new RegExp(`^http://${subdomain}\\.localhost:8080/confirm_account\\?c=[0-9a-f-]{36}$`),
    );
    expect(res.body.partner_id).toBe(partner.partnerId);
    expect(res.body.status).toBe('accepted');
    expect(new Date(res.body.created_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('stores secrets only encrypted or hashed, and never echoes d360_api_key or header values', async () => {
    const d360 = 'Sup3rSecretKeyValue123';
    const res = await post({
      d360_api_key: d360,
      configurator: {
        user_name: 'service_account',
        webhook_url: 'https://example.com/hook',
        webhook_headers: { 'X-Secret': 'h3ader-value' },
      },
      admin_email: 'owner@example.com',
    });
    expect(res.status).toBe(201);
    expect(JSON.stringify(res.body)).not.toContain(d360);
    expect(res.body.channel_id).toBeNull();
    expect(res.body.activation_url).toBeUndefined();
    const row = await dataSource.getRepository(Instance).findOneByOrFail({ id: res.body.id });
    const rowText = JSON.stringify(row);
    expect(rowText).not.toContain(d360);
    expect(rowText).not.toContain('h3ader-value');
    const box = api.app.get(SecretBox);
    expect(box.decrypt(row.wabaApiKeyEnc!)).toBe(d360);
    expect(box.decrypt(row.configuratorTokenEnc!)).toMatch(/^[0-9a-f]{40}$/);
    expect(row.configuratorTokenSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(row.activationCodeEnc).not.toBeNull();
    expect(row.adminUsername).toBe('owner@example.com');
    const detail = await request(api.app.getHttpServer())
      .get(`/v1/instances/${res.body.id}`)
      .set(partner.auth);
    expect(JSON.stringify(detail.body)).not.toContain('h3ader-value');
    expect(detail.body.configurator).toEqual({
      user_name: 'service_account',
      webhook_url: 'https://example.com/hook',
      webhook_header_names: ['X-Secret'],
    });
  });

  it('uses the generated id as subdomain when subdomain is blank or absent', async () => {
    for (const body of [
      { channel_id: uniqueChannel() },
      { channel_id: uniqueChannel(), subdomain: '' },
      { channel_id: uniqueChannel(), subdomain: null },
    ]) {
      const res = await post(body);
      expect(res.status).toBe(201);
      expect(res.body.subdomain).toBe(res.body.id);
      expect(res.body.base_domain).toBe(`${res.body.id}.localhost:8080`);
    }
  });

  it('applies the defaults: 5 seats, no activation, admin user "admin"', async () => {
    const res = await post({ channel_id: uniqueChannel() });
    const row = await dataSource.getRepository(Instance).findOneByOrFail({ id: res.body.id });
    expect(row.maxNumberOfSeats).toBe(5);
    expect(row.generateActivation).toBe(false);
    expect(row.adminUsername).toBe('admin');
    expect(row.activationCodeEnc).toBeNull();
    expect(row.configuratorTokenEnc).toBeNull();
  });

  it('records exactly one provisioning job per instance in the outbox transaction', async () => {
    const res = await post({ channel_id: uniqueChannel() });
    const job = await api.app
      .get(DataSource)
      .getRepository(OutboxMessage)
      .findOneBy({ jobId: `provision-${res.body.id}` });
    const inRedis = await api.app.get(JobPublisher).queue('provisioning').getJob(`provision-${res.body.id}`);
    // Either still in the outbox or already handed to BullMQ, never neither.
    expect(Boolean(job) || Boolean(inRedis)).toBe(true);
  });

  it("rejects a subdomain that is already in use with seed 001's exact payload", async () => {
    const subdomain = unique('dup');
    expect((await post({ subdomain, channel_id: uniqueChannel() })).status).toBe(201);
    const res = await post({ subdomain, channel_id: uniqueChannel() });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [{ loc: ['subdomain'], msg: `subdomain already in use: ${subdomain}`, type: 'string' }],
    });
  });

  it('refuses subdomains starting with websockets- (every instance websocket host), in the subdomain error style', async () => {
    const res = await post({ subdomain: 'websockets-acme', channel_id: uniqueChannel() });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      detail: [
        {
          loc: ['subdomain'],
          msg: "subdomain is reserved: websockets-acme (names starting with websockets- carry each instance's websocket)",
          type: 'string',
        },
      ],
    });
  });

  it('rejects a subdomain in use by another partner too (subdomains are global)', async () => {
    const other = await createTestPartner(dataSource);
    const subdomain = unique('g');
    expect((await post({ subdomain, channel_id: uniqueChannel() }, other)).status).toBe(201);
    expect((await post({ subdomain, channel_id: uniqueChannel() })).body.detail[0].loc).toEqual([
      'subdomain',
    ]);
  });

  it('allows at most one live instance per channel', async () => {
    const channel = uniqueChannel();
    expect((await post({ channel_id: channel })).status).toBe(201);
    const res = await post({ channel_id: channel });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      { loc: ['channel_id'], msg: `channel already has a live instance: ${channel}`, type: 'string' },
    ]);
  });

  it('frees the subdomain and channel only once the instance is deleted, not while deleting', async () => {
    const channel = uniqueChannel();
    const subdomain = unique('f');
    const created = await post({ channel_id: channel, subdomain });
    await request(api.app.getHttpServer())
      .delete(`/v1/instances/${created.body.id}`)
      .set(partner.auth)
      .expect(202);
    expect((await post({ channel_id: channel, subdomain: unique('f') })).status).toBe(422);
    await dataSource.query(`UPDATE instances SET status = 'deleted' WHERE id = $1`, [created.body.id]);
    expect((await post({ channel_id: channel, subdomain })).status).toBe(201);
  });

  describe('422 for each invalid field', () => {
    it.each([
      [{ channel_id: 'a'.repeat(11) }, ['body', 'channel_id'], 'string_too_long'],
      [{ channel_id: 'abc-def' }, ['body', 'channel_id'], 'string_pattern_mismatch'],
      [{ channel_id: '' }, ['body', 'channel_id'], 'string_pattern_mismatch'],
      [{ channel_id: 123 }, ['body', 'channel_id'], 'string_type'],
      [{ d360_api_key: 'k'.repeat(51) }, ['body', 'd360_api_key'], 'string_too_long'],
      [{ d360_api_key: 'key_with_underscore' }, ['body', 'd360_api_key'], 'string_pattern_mismatch'],
      [{ channel_id: 'ok', subdomain: 'a'.repeat(64) }, ['body', 'subdomain'], 'string_too_long'],
      [{ channel_id: 'ok', subdomain: 'UpperCase' }, ['body', 'subdomain'], 'string_pattern_mismatch'],
      [{ channel_id: 'ok', subdomain: '-leading' }, ['body', 'subdomain'], 'string_pattern_mismatch'],
      [{ channel_id: 'ok', subdomain: 'trailing-' }, ['body', 'subdomain'], 'string_pattern_mismatch'],
      [{ channel_id: 'ok', subdomain: 'a.b' }, ['body', 'subdomain'], 'string_pattern_mismatch'],
      [{ channel_id: 'ok', subdomain: 'a_b' }, ['body', 'subdomain'], 'string_pattern_mismatch'],
      [{ channel_id: 'ok', admin_email: 'not-an-email' }, ['body', 'admin_email'], 'value_error'],
      [{ channel_id: 'ok', admin_email: 5 }, ['body', 'admin_email'], 'string_type'],
      [{ channel_id: 'ok', generate_activation: 'yes' }, ['body', 'generate_activation'], 'bool_type'],
      [{ channel_id: 'ok', max_number_of_seats: 0 }, ['body', 'max_number_of_seats'], 'greater_than_equal'],
      [{ channel_id: 'ok', max_number_of_seats: 2.5 }, ['body', 'max_number_of_seats'], 'int_type'],
      [{ channel_id: 'ok', max_number_of_seats: '5' }, ['body', 'max_number_of_seats'], 'int_type'],
      [{ channel_id: 'ok', max_number_of_seats: 11 }, ['body', 'max_number_of_seats'], 'less_than_equal'],
      [{ channel_id: 'ok', configurator: 'x' }, ['body', 'configurator'], 'model_attributes_type'],
      [
        { channel_id: 'ok', configurator: { webhook_url: 'https://e.com' } },
        ['body', 'configurator', 'user_name'],
        'missing',
      ],
      [
        { channel_id: 'ok', configurator: { user_name: 'u' } },
        ['body', 'configurator', 'webhook_url'],
        'missing',
      ],
      [
        { channel_id: 'ok', configurator: { user_name: 'bad name', webhook_url: 'https://e.com' } },
        ['body', 'configurator', 'user_name'],
        'string_pattern_mismatch',
      ],
      [
        { channel_id: 'ok', configurator: { user_name: 'u', webhook_url: 'ftp://e.com' } },
        ['body', 'configurator', 'webhook_url'],
        'string_pattern_mismatch',
      ],
      [
        {
          channel_id: 'ok',
          configurator: {
            user_name: 'u',
            webhook_url: 'https://e.com',
            webhook_headers: { 'Bad Header': 'x' },
          },
        },
        ['body', 'configurator', 'webhook_headers'],
        'value_error',
      ],
      [
        {
          channel_id: 'ok',
          configurator: {
            user_name: 'u',
            webhook_url: 'https://e.com',
            webhook_headers: { 'X-A': 'a\r\nX-B: b' },
          },
        },
        ['body', 'configurator', 'webhook_headers'],
        'value_error',
      ],
      [
        {
          channel_id: 'ok',
          configurator: { user_name: 'u', webhook_url: 'https://e.com', webhook_headers: { 'X-A': 1 } },
        },
        ['body', 'configurator', 'webhook_headers'],
        'value_error',
      ],
      [
        {
          channel_id: 'ok',
          configurator: {
            user_name: 'u',
            webhook_url: 'https://e.com',
            webhook_headers: { 'Webhook-Signature': 'forged' },
          },
        },
        ['body', 'configurator', 'webhook_headers'],
        'value_error',
      ],
      [
        { channel_id: 'ok', configurator: { user_name: 'u', webhook_url: 'https://e.com', extra: 1 } },
        ['body', 'configurator', 'extra'],
        'extra_forbidden',
      ],
      [{ channel_id: 'ok', unknown_field: 1 }, ['body', 'unknown_field'], 'extra_forbidden'],
    ])('%j → %j %s', async (body, loc, type) => {
      await only422(body, loc, type);
    });

    it('requires exactly one of channel_id and d360_api_key', async () => {
      await only422({ subdomain: unique('n') }, ['body'], 'missing');
      const both = await only422({ channel_id: 'abc', d360_api_key: 'abc' }, ['body'], 'value_error');
      expect(both[0].msg).toBe('Provide either channel_id or d360_api_key, not both');
    });

    it('refuses a configurator user name equal to the admin user name', async () => {
      await only422(
        {
          channel_id: uniqueChannel(),
          admin_email: 'a@example.com',
          configurator: { user_name: 'A@example.com', webhook_url: 'https://e.com' },
        },
        ['body', 'configurator', 'user_name'],
        'value_error',
      );
    });

    it('reports every problem of a request at once', async () => {
      const res = await post({ channel_id: 'x'.repeat(11), subdomain: 'BAD', generate_activation: 1 });
      expect(res.body.detail.map((d: { loc: string[] }) => d.loc.join('.')).sort()).toEqual(
        ['body.channel_id', 'body.generate_activation', 'body.subdomain'].sort(),
      );
    });

    it.each([
      ['a JSON array', '[1,2]'],
      ['a JSON string', '"text"'],
      ['JSON null', 'null'],
      ['a number', '42'],
    ])('answers %s with a 422 at loc ["body"]', async (_, raw) => {
      const res = await request(api.app.getHttpServer())
        .post('/v1/instances')
        .set(partner.auth)
        .set('Content-Type', 'application/json')
        .send(raw);
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ loc: ['body'], type: 'model_attributes_type' });
    });

    it('answers malformed JSON with 422 json_invalid and the position', async () => {
      const res = await request(api.app.getHttpServer())
        .post('/v1/instances')
        .set(partner.auth)
        .set('Content-Type', 'application/json')
        .send('{"channel_id": ');
      expect(res.status).toBe(422);
      expect(res.body.detail[0]).toMatchObject({ type: 'json_invalid' });
      expect(res.body.detail[0].loc[0]).toBe('body');
    });

    it('answers a body that is not JSON (form encoded) with 422', async () => {
      const res = await request(api.app.getHttpServer())
        .post('/v1/instances')
        .set(partner.auth)
        .type('form')
        .send('channel_id=abc');
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['body']);
    });
  });

  it('answers a body over 64 KiB with 413', async () => {
    const res = await post({ channel_id: 'abc', padding: 'x'.repeat(70 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ detail: 'Request body too large: the limit is 64 KiB' });
  });

  it("enforces the partner's live-instance quota, and a deletion gives the slot back", async () => {
    const small = await createTestPartner(dataSource, { instanceQuota: 2 });
    const first = await post({ channel_id: uniqueChannel() }, small);
    expect((await post({ channel_id: uniqueChannel() }, small)).status).toBe(201);
    const refused = await post({ channel_id: uniqueChannel() }, small);
    expect(refused.status).toBe(403);
    expect(refused.body.detail).toMatch(
      /^Instance quota exceeded: partner \S+ may have at most 2 live instances/,
    );
    await request(api.app.getHttpServer())
      .delete(`/v1/instances/${first.body.id}`)
      .set(small.auth)
      .expect(202);
    expect((await post({ channel_id: uniqueChannel() }, small)).status).toBe(201);
  });

  it('never exceeds the quota under concurrent requests', async () => {
    const small = await createTestPartner(dataSource, { instanceQuota: 3 });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post({ channel_id: uniqueChannel() }, small)),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 403)).toHaveLength(9);
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM instances WHERE partner_id = $1`,
      [small.partnerId],
    );
    expect(count).toBe(3);
  });

  it('bounds the default seats by a partner limit below 5', async () => {
    const tiny = await createTestPartner(dataSource, { maxSeats: 2 });
    const res = await post({ channel_id: uniqueChannel() }, tiny);
    const row = await dataSource.getRepository(Instance).findOneByOrFail({ id: res.body.id });
    expect(row.maxNumberOfSeats).toBe(2);
  });
});
