import request from 'supertest';
import { DataSource } from 'typeorm';
import { TestPartner, createTestPartner, startApi } from '../support/api-harness';

describe('GET and PUT /v1/partner/settings (event URL)', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let partner: TestPartner;
  let other: TestPartner;
  const http = () => request(api.app.getHttpServer());

  beforeAll(async () => {
    api = await startApi();
    partner = await createTestPartner(api.app.get(DataSource));
    other = await createTestPartner(api.app.get(DataSource));
  });
  afterAll(() => api.close());

  it('starts empty, is set and cleared idempotently, and belongs to the calling partner only', async () => {
    expect((await http().get('/v1/partner/settings').set(partner.auth).expect(200)).body).toEqual({
      event_url: null,
    });
    const url = 'https://hooks.example.com/inbox-events';
    for (let i = 0; i < 2; i++) {
      const put = await http().put('/v1/partner/settings').set(partner.auth).send({ event_url: url });
      expect(put.status).toBe(200);
      expect(put.body).toEqual({ event_url: url });
    }
    expect((await http().get('/v1/partner/settings').set(partner.auth)).body).toEqual({ event_url: url });
    expect((await http().get('/v1/partner/settings').set(other.auth)).body).toEqual({ event_url: null });
    await http().put('/v1/partner/settings').set(partner.auth).send({ event_url: null }).expect(200);
    expect((await http().get('/v1/partner/settings').set(partner.auth)).body).toEqual({ event_url: null });
  });

  it.each([
    [{}, 'Field required'],
    [{ event_url: 'ftp://example.com/x' }, 'URL should be an absolute http:// or https:// URL'],
    [{ event_url: 42 }, 'Input should be a valid string or null'],
    [{ event_url: `https://example.com/${'a'.repeat(2100)}` }, 'String should have at most 2048 characters'],
  ])('answers 422 in the FastAPI shape for %j', async (body, message) => {
    const res = await http().put('/v1/partner/settings').set(partner.auth).send(body);
    expect(res.status).toBe(422);
    expect(res.body.detail[0]).toMatchObject({ loc: ['body', 'event_url'] });
    expect(res.body.detail.map((d: { msg: string }) => d.msg)).toContain(message);
  });

  it('needs an API key', async () => {
    await http().get('/v1/partner/settings').expect(401);
    await http().put('/v1/partner/settings').send({ event_url: null }).expect(401);
  });
});
