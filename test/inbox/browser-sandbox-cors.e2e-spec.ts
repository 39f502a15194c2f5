/**
 * In headless Chromium: the WhatsApp sandbox's page used by a person playing the customer (their
 * message reaches the instance; the instance's answer shows on the page with its ticks), and a
 * front-end on another origin calling the instance's API with a token (CORS, never credentials).
 */
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { InboxWithSandbox, createAppUser, startInboxWithSandbox } from '../support/inbox-harness';
import { waitFor } from '../support/wait';

describe('sandbox page and cross-origin API use in Chromium', () => {
  const channel = 'chanB1';
  let fixture: InboxWithSandbox;
  let browser: Browser;
  let appToken: string;
  let otherOrigin: Server;
  let otherUrl: string;
  const http = () => fixture.http();

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel);
    appToken = await createAppUser(http, fixture.secrets.configuratorToken, 'web');
    browser = await launchChromium();
    // A partner's white-label front-end, on an origin of its own.
    otherOrigin = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>Partner front-end</title><p>partner</p>');
    });
    await new Promise<void>((r) => otherOrigin.listen(0, '127.0.0.1', r));
    otherUrl = `http://localhost:${(otherOrigin.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => otherOrigin?.close(r));
    await fixture?.close();
  });

  it('lets a person play the customer: their message reaches the instance, the answer comes back with ticks', async () => {
    await waitFor(async () => {
      const res = await fetch(`${fixture.sandboxUrl}/sandbox/channels`);
      return ((await res.json()) as { results: { webhook_registered: boolean }[] }).results.some(
        (c) => c.webhook_registered,
      );
    }, 10_000);
    const page = await browser.newPage();
    await page.goto(fixture.sandboxUrl);
    await page.getByLabel('Channel').selectOption(channel);
    await page.getByLabel('Your number').fill('4915100000901');
    await page.getByLabel('Your name').fill('Robin Page');
    await page.getByLabel('Message').fill('Hello from the sandbox page');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Hello from the sandbox page').waitFor();

    let chat: { wa_id: string; contact: { waba_payload: { profile: { name: string } } } } | undefined;
    await waitFor(async () => {
      chat = (await http().get('/api/v1/chats/').set('Authorization', `Token ${appToken}`)).body.results?.[0];
      return chat?.wa_id === '4915100000901';
    }, 10_000);
    expect(chat!.contact.waba_payload.profile.name).toBe('Robin Page');

    await http()
      .post('/api/v1/messages/')
      .set('Authorization', `Token ${appToken}`)
      .send({ wa_id: '4915100000901', type: 'text', text: { body: 'Hi Robin, how can we help?' } })
      .expect(201);
    const answer = page.locator('.msg.out', { hasText: 'Hi Robin, how can we help?' });
    await answer.waitFor({ timeout: 10_000 });
    await page.locator('.msg.out .meta', { hasText: '✓✓ read' }).waitFor({ timeout: 10_000 });
    await page.close();
  });

  it('serves a front-end on another origin that uses a token, and never sends it credentials', async () => {
    const page = await browser.newPage();
    await page.goto(otherUrl);
    const result = await page.evaluate(
      async ({ api, token }) => {
        const withToken = await fetch(`${api}/api/v1/chats/?limit=1`, {
          headers: { Authorization: `Token ${token}`, 'X-Request-ID': 'from-partner' },
        });
        let withCredentials = 'answered';
        try {
          await fetch(`${api}/api/v1/chats/`, { credentials: 'include' });
        } catch {
          withCredentials = 'blocked';
        }
        const sent = await fetch(`${api}/api/v1/mark_as_received/`, {
          method: 'POST',
          headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ customer_wa_id: '4915100000901', timestamp: 1 }),
        });
        return {
          status: withToken.status,
          count: ((await withToken.json()) as { count: number }).count,
          withCredentials,
          postStatus: sent.status,
        };
      },
      { api: fixture.inbox.url, token: appToken },
    );
    // The page's origin (localhost:…) differs from the API's (127.0.0.1:…): a real cross-origin call.
    expect(new URL(otherUrl).origin).not.toBe(new URL(fixture.inbox.url).origin);
    expect(result).toEqual({ status: 200, count: 1, withCredentials: 'blocked', postStatus: 201 });
    await page.close();
  });
});
