import request from 'supertest';
import { waitFor } from '../support/wait';
import { DataSource } from 'typeorm';
import { TestPartner, createTestPartner, startApi, unique, uniqueChannel } from '../support/api-harness';

describe('Idempotency-Key on POST /v1/instances', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let dataSource: DataSource;
  let partner: TestPartner;

  beforeAll(async () => {
    api = await startApi();
    dataSource = api.app.get(DataSource);
    partner = await createTestPartner(dataSource);
  });
  afterAll(() => api.close());

  const post = (key: string, body: object, who: TestPartner = partner) =>
    request(api.app.getHttpServer())
      .post('/v1/instances')
      .set(who.auth)
      .set('Idempotency-Key', key)
      .send(body);
  const countBySubdomain = async (subdomain: string) =>
    (await dataSource.query(`SELECT count(*)::int AS n FROM instances WHERE subdomain = $1`, [subdomain]))[0]
      .n as number;

  it('replays the first answer for the same key and body, creating one instance', async () => {
    const key = unique('k');
    const body = { subdomain: unique('i'), channel_id: uniqueChannel(), generate_activation: true };
    const first = await post(key, body);
    expect(first.status).toBe(201);
    const again = await post(key, {
      generate_activation: true,
      channel_id: body.channel_id,
      subdomain: body.subdomain,
    });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await countBySubdomain(body.subdomain)).toBe(1);
  });

  it('stores the replayable answer encrypted (it holds the activation URL)', async () => {
    const key = unique('k');
    const res = await post(key, { channel_id: uniqueChannel(), generate_activation: true });
    const code = new URL(res.body.activation_url).searchParams.get('c')!;
    const [row] = await dataSource.query(
      `SELECT * FROM idempotency_records WHERE partner_id = $1 AND key = $2`,
      [partner.partnerId, key],
    );
    expect(row.state).toBe('completed');
    expect(row.response_status).toBe(201);
    expect(row.response_body_enc).toMatch(/^v1\./);
    expect(JSON.stringify(row)).not.toContain(code);
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const key = unique('k');
    expect((await post(key, { channel_id: uniqueChannel() })).status).toBe(201);
    const res = await post(key, { channel_id: uniqueChannel() });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      {
        loc: ['header', 'idempotency-key'],
        msg: expect.stringContaining('already used with a different request'),
        type: 'idempotency_key_reused',
      },
    ]);
  });

  it('answers 409 while the first request with the key is still running, then replays', async () => {
    const key = unique('k');
    const body = { channel_id: uniqueChannel(), subdomain: unique('c') };
    // Hold the partner row as the quota update does, so the first request stops inside its transaction.
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let firstPromise: Promise<request.Response> | undefined;
    try {
      await runner.query(`SELECT 1 FROM partners WHERE id = $1 FOR NO KEY UPDATE`, [partner.partnerId]);
      firstPromise = post(key, body).then((r) => r);
      await waitFor(
        async () =>
          (await dataSource.query(`SELECT 1 FROM idempotency_records WHERE key = $1`, [key])).length === 1,
      );
      const second = await post(key, body);
      expect(second.status).toBe(409);
      expect(second.headers['retry-after']).toBe('1');
      expect(second.body.detail).toMatch(/still in progress/);
    } finally {
      await runner.commitTransaction();
      await runner.release();
    }
    const first = await firstPromise;
    expect(first.status).toBe(201);
    const third = await post(key, body);
    expect(third.body).toEqual(first.body);
    expect(await countBySubdomain(body.subdomain)).toBe(1);
  });

  it('creates exactly one instance when many requests with one key race', async () => {
    const key = unique('k');
    const body = { channel_id: uniqueChannel(), subdomain: unique('r') };
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(key, body)));
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(new Set(created.map((a) => a.body.id)).size).toBe(1);
    expect(await countBySubdomain(body.subdomain)).toBe(1);
  });

  it('scopes keys per partner', async () => {
    const other = await createTestPartner(dataSource);
    const key = unique('k');
    const mine = await post(key, { channel_id: uniqueChannel() });
    const theirs = await post(key, { channel_id: uniqueChannel() }, other);
    expect(theirs.status).toBe(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('frees the key when the request fails, so a corrected retry can use it', async () => {
    const taken = unique('t');
    await post(unique('k'), { channel_id: uniqueChannel(), subdomain: taken });
    const key = unique('k');
    expect((await post(key, { channel_id: uniqueChannel(), subdomain: taken })).status).toBe(422);
    expect((await post(key, { channel_id: uniqueChannel(), subdomain: unique('t') })).status).toBe(201);
  });

  it('forgets a key after 24 hours', async () => {
    const key = unique('k');
    await post(key, { channel_id: uniqueChannel() });
    await dataSource.query(
      `UPDATE idempotency_records SET created_at = now() - interval '25 hours' WHERE key = $1`,
      [key],
    );
    const res = await post(key, { channel_id: uniqueChannel() });
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('takes over a key whose request died in progress over a minute ago', async () => {
    const key = unique('k');
    await dataSource.query(
      `INSERT INTO idempotency_records (partner_id, key, request_sha256, state, created_at) VALUES ($1, $2, $3, 'in_progress', now() - interval '2 minutes')`,
      [partner.partnerId, key, 'f'.repeat(64)],
    );
    expect((await post(key, { channel_id: uniqueChannel() })).status).toBe(201);
  });

  it('rejects a malformed key with 422 at the header', async () => {
    for (const key of ['x'.repeat(256), 'has space']) {
      const res = await post(key, { channel_id: uniqueChannel() });
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['header', 'idempotency-key']);
    }
  });

  it('does not record a request that fails validation', async () => {
    const key = unique('k');
    expect((await post(key, { channel_id: 'bad-channel' })).status).toBe(422);
    expect(await dataSource.query(`SELECT 1 FROM idempotency_records WHERE key = $1`, [key])).toHaveLength(0);
  });
});
