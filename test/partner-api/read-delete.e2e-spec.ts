import request from 'supertest';
import { DataSource } from 'typeorm';
import { OutboxMessage } from '@app/domain';
import { JobPublisher, OutboxRelay } from '@app/queue';
import { TestPartner, createTestPartner, startApi, unique, uniqueChannel } from '../support/api-harness';

describe('GET and DELETE /v1/instances', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let dataSource: DataSource;
  let partner: TestPartner;
  let other: TestPartner;
  const created: { id: string; subdomain: string; channel_id: string }[] = [];

  const http = () => request(api.app.getHttpServer());

  beforeAll(async () => {
    api = await startApi();
    dataSource = api.app.get(DataSource);
    partner = await createTestPartner(dataSource);
    other = await createTestPartner(dataSource);
    for (let i = 0; i < 5; i++) {
      const res = await http()
        .post('/v1/instances')
        .set(partner.auth)
        .send({ subdomain: unique('l'), channel_id: uniqueChannel() });
      created.push(res.body);
    }
    await http().post('/v1/instances').set(other.auth).send({ channel_id: uniqueChannel() }).expect(201);
  });
  afterAll(() => api.close());

  it("lists only the partner's own instances, newest first", async () => {
    const res = await http().get('/v1/instances').set(partner.auth);
    expect(res.status).toBe(200);
    expect(res.body.count).toBe(5);
    expect(res.body.results.map((r: { id: string }) => r.id)).toEqual(created.map((c) => c.id).reverse());
    expect(res.body.next).toBeNull();
    expect(res.body.previous).toBeNull();
  });

  it('paginates with limit and offset and gives next/previous links', async () => {
    const first = await http().get('/v1/instances?limit=2').set(partner.auth);
    expect(first.body.results).toHaveLength(2);
    expect(first.body.previous).toBeNull();
    const next = new URL(first.body.next);
    expect(next.searchParams.get('limit')).toBe('2');
    expect(next.searchParams.get('offset')).toBe('2');
    const second = await http().get(`${next.pathname}${next.search}`).set(partner.auth);
    expect(second.body.results.map((r: { id: string }) => r.id)).toEqual([created[2].id, created[1].id]);
    expect(new URL(second.body.previous).searchParams.get('offset')).toBeNull();
    const last = await http().get('/v1/instances?limit=2&offset=4').set(partner.auth);
    expect(last.body.results).toHaveLength(1);
    expect(last.body.next).toBeNull();
  });

  it('filters by status, subdomain and channel_id', async () => {
    const bySubdomain = await http().get(`/v1/instances?subdomain=${created[1].subdomain}`).set(partner.auth);
    expect(bySubdomain.body.results.map((r: { id: string }) => r.id)).toEqual([created[1].id]);
    const byChannel = await http().get(`/v1/instances?channel_id=${created[3].channel_id}`).set(partner.auth);
    expect(byChannel.body.results.map((r: { id: string }) => r.id)).toEqual([created[3].id]);
    const byStatus = await http().get('/v1/instances?status=ready').set(partner.auth);
    expect(byStatus.body).toEqual({ count: 0, next: null, previous: null, results: [] });
    const accepted = await http().get('/v1/instances?status=accepted').set(partner.auth);
    expect(accepted.body.count).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['limit=0', ['query', 'limit'], 'greater_than_equal'],
    ['limit=101', ['query', 'limit'], 'less_than_equal'],
    ['limit=abc', ['query', 'limit'], 'int_type'],
    ['offset=-1', ['query', 'offset'], 'greater_than_equal'],
    ['status=running', ['query', 'status'], 'enum'],
  ])('rejects %s with 422', async (query, loc, type) => {
    const res = await http().get(`/v1/instances?${query}`).set(partner.auth);
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ loc, type });
  });

  it('shows one instance with status, status_detail and its events timeline', async () => {
    const res = await http().get(`/v1/instances/${created[0].id}`).set(partner.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: created[0].id,
      status: 'accepted',
      status_detail: 'Waiting for a worker',
      max_number_of_seats: 5,
      configurator: null,
    });
    expect(res.body.events).toEqual([
      { type: 'status.accepted', message: 'Instance accepted', data: null, created_at: expect.any(String) },
    ]);
  });

  it("answers another partner's instance exactly like an unknown one (404)", async () => {
    const theirs = await http().get(`/v1/instances/${created[0].id}`).set(other.auth);
    const unknown = await http().get('/v1/instances/0123456789abcdef0123456789abcdef').set(other.auth);
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(unknown.body);
    expect(theirs.body).toEqual({ detail: 'Not Found' });
    expect((await http().delete(`/v1/instances/${created[0].id}`).set(other.auth)).status).toBe(404);
  });

  it('rejects an id that is not 32 lowercase hex characters with 422', async () => {
    for (const id of ['abc', 'ABCDEF0123456789ABCDEF0123456789', '0123456789abcdef0123456789abcdeg']) {
      const res = await http().get(`/v1/instances/${id}`).set(partner.auth);
      expect(res.status).toBe(422);
      expect(res.body.detail[0].loc).toEqual(['path', 'instance_id']);
    }
  });

  it('deletes with 202 and status deleting, enqueues one teardown, and is idempotent', async () => {
    const id = created[4].id;
    const first = await http().delete(`/v1/instances/${id}`).set(partner.auth);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ id, status: 'deleting' });
    const second = await http().delete(`/v1/instances/${id}`).set(partner.auth);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    const detail = await http().get(`/v1/instances/${id}`).set(partner.auth);
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual([
      'status.accepted',
      'status.deleting',
    ]);
    await api.app.get(OutboxRelay).flush();
    expect(await dataSource.getRepository(OutboxMessage).countBy({ jobId: `teardown-${id}` })).toBe(0);
    const queue = api.app.get(JobPublisher).queue('provisioning');
    const job = await queue.getJob(`teardown-${id}`);
    expect(job?.name).toBe('instance.teardown');
    expect(job?.data).toEqual({ instanceId: id });
  });
});
