/**
 * Seed 002's saved responses on a real instance: every inbox user reads and adds them, the author
 * or an admin deletes them, the configurator is kept out, bad input gets DRF errors.
 */
import { InboxWithSandbox, createAppUser, startInboxWithSandbox } from '../support/inbox-harness';

describe('saved responses', () => {
  let fixture: InboxWithSandbox;
  let asAgent: Record<string, string>;
  let asOther: Record<string, string>;
  let asAdmin: Record<string, string>;

  beforeAll(async () => {
    fixture = await startInboxWithSandbox('chanSR');
    asAgent = {
      Authorization: `Token ${await createAppUser(fixture.http, fixture.secrets.configuratorToken, 'agenta')}`,
    };
    asOther = {
      Authorization: `Token ${await createAppUser(fixture.http, fixture.secrets.configuratorToken, 'agentb')}`,
    };
    asAdmin = { 'D360-Api-Key': fixture.env.WABA_API_KEY }; // the instance owner, an admin
  });
  afterAll(() => fixture?.close());
  const add = (as: Record<string, string>, body: unknown) =>
    fixture
      .http()
      .post('/api/v1/saved_responses/')
      .set(as)
      .send(body as object);

  it('are added by any user and listed newest first, paginated, in seed 002 shape', async () => {
    const before = Math.floor(Date.now() / 1000);
    const first = await add(asAgent, { text: 'Thanks for waiting!' }).expect(201);
    expect(first.body).toEqual({
      id: expect.any(Number),
      text: 'Thanks for waiting!',
      created_by: 'agenta',
      timestamp: expect.any(Number),
    });
    expect(first.body.timestamp).toBeGreaterThanOrEqual(before - 1);
    await fixture
      .http()
      .post('/api/v1/saved_responses/')
      .set(asOther)
      .type('form')
      .send({ text: 'Your order ships today.' })
      .expect(201);
    const page = await fixture.http().get('/api/v1/saved_responses/?limit=1').set(asAgent).expect(200);
    expect(page.body).toMatchObject({
      count: 2,
      previous: null,
      results: [{ text: 'Your order ships today.', created_by: 'agentb' }],
    });
    expect(page.body.next).toBe(`${fixture.env.PUBLIC_URL}/api/v1/saved_responses/?limit=1&offset=1`);
    const one = await fixture
      .http()
      .get(`/api/v1/saved_responses/${first.body.id}/`)
      .set(asOther)
      .expect(200);
    expect(one.body).toEqual(first.body);
  });

  it('are deleted by their author or an admin, not by another user', async () => {
    const created = await add(asAgent, { text: 'One moment please.' }).expect(201);
    const path = `/api/v1/saved_responses/${created.body.id}/`;
    const refused = await fixture.http().delete(path).set(asOther).expect(403);
    expect(refused.body).toEqual({ detail: 'Only the author or an admin may delete this saved response.' });
    await fixture.http().delete(path).set(asAgent).expect(204);
    await fixture.http().get(path).set(asAgent).expect(404);
    const byAdmin = await add(asOther, { text: 'Bye!' }).expect(201);
    await fixture.http().delete(`/api/v1/saved_responses/${byAdmin.body.id}/`).set(asAdmin).expect(204);
  });

  it('answer bad input and unknown ids in DRF shape, and keep the configurator and strangers out', async () => {
    for (const body of [{}, { text: '' }, { text: '   ' }, { text: 7 }, { text: 'x'.repeat(4097) }]) {
      const answer = await add(asAgent, body).expect(400);
      expect(answer.body.text).toEqual([expect.any(String)]);
    }
    for (const id of ['0', 'abc', '99999999999999999999', '123456789012']) {
      const answer = await fixture.http().get(`/api/v1/saved_responses/${id}/`).set(asAgent).expect(404);
      expect(answer.body).toEqual({ detail: 'Not found.' });
    }
    await fixture.http().get('/api/v1/saved_responses/?limit=x').set(asAgent).expect(400);
    await fixture
      .http()
      .get('/api/v1/saved_responses/')
      .set('Authorization', `Token ${fixture.secrets.configuratorToken}`)
      .expect(403);
    await fixture.http().get('/api/v1/saved_responses/').expect(403); // anonymous: DRF's 403
  });
});
