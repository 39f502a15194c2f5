/**
 * An instance that is down while customers write loses nothing (issue 21): the sandbox, like
 * WhatsApp's Cloud API, keeps retrying a webhook (here with its delays capped at 300 ms, so the
 * outage is seconds, not hours), and once the instance is back every message is stored, in order.
 */
import request from 'supertest';
import { InboxWithSandbox, startInboxWithSandbox } from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('sandbox: redelivery to an instance that is down', () => {
  const channel = 'chanDown';
  let fixture: InboxWithSandbox;
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.WABA_SANDBOX_RETRY_MAX_DELAY_MS = '300';
    process.env.WABA_SANDBOX_RETRY_FOR_MS = '600000';
    fixture = await startInboxWithSandbox(channel);
    process.env = saved;
    await waitFor(async () =>
      (await request(fixture.sandboxUrl).get('/sandbox/channels')).body.results.some(
        (c: { webhook_registered: boolean }) => c.webhook_registered,
      ),
    );
  });
  afterAll(() => fixture?.close());

  it('delivers what customers wrote during a 10 s outage once the instance is back, in order', async () => {
    const customer = '4917600000001';
    const texts = ['one', 'two', 'three', 'four', 'five'];
    await fixture.restart(async () => {
      for (const text of texts)
        await request(fixture.sandboxUrl)
          .post(`/sandbox/channels/${channel}/inbound`)
          .send({ from: customer, name: 'Patient Customer', text })
          .expect(202);
      // With delays capped at 300 ms, 10 s of outage take ~35 attempts: the old schedule made 8 in all.
      await new Promise((r) => setTimeout(r, 10_000));
    });
    const asAdmin = { 'D360-API-KEY': fixture.env.WABA_API_KEY };
    await waitFor(
      async () =>
        (await fixture.http().get(`/api/v1/messages/?wa_id=${customer}`).set(asAdmin)).body.count ===
        texts.length,
      10_000,
    );
    const listed = await fixture
      .http()
      .get(`/api/v1/messages/?wa_id=${customer}&limit=10`)
      .set(asAdmin)
      .expect(200);
    const stored = (listed.body.results as Json[]).reverse().map((m) => m.waba_payload.text.body as string);
    expect(stored).toEqual(texts);
  }, 60_000);
});
