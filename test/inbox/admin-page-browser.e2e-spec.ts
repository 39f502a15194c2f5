/**
 * Issue 14's "done when", through the admin page in headless Chromium: a tenant admin wires a bot
 * and two agents up as seed 002's walkthrough describes, with forms only (a tag, two rules, the
 * bot's webhook, the bot's permissions), then a customer writes on the WhatsApp sandbox and the
 * flow runs: the bot gets the chat, tags it "Agent needed", the agents' group gets it, an agent
 * takes it. Also: a form without its CSRF field is refused, and a mistake is explained on the page.
 */
import { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser';
import { startReceiver } from '../support/http-receiver';
import {
  InboxWithSandbox,
  createAgent,
  createAppUser,
  startInboxWithSandbox,
} from '../support/inbox-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const PASSWORD = 'Velvet-Orchard-58';

describe('the admin page wires up a bot and two agents (seed 002 walkthrough)', () => {
  const channel = 'chanAdm';
  let fixture: InboxWithSandbox;
  let browser: Browser;
  let page: Page;
  const http = () => fixture.http();
  const asAdmin = () => ({ 'D360-API-KEY': fixture.env.WABA_API_KEY });
  const notice = () => page.getByRole('status').first().textContent();

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel, {
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      MAX_NUMBER_OF_SEATS: '10',
    });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await page.goto(`${fixture.inbox.url}/confirm_account?c=${fixture.secrets.activationCode}`);
    await page.fill('#password1', PASSWORD);
    await page.fill('#password2', PASSWORD);
    await Promise.all([page.waitForURL('**/admin/'), page.click('text=SAVE')]);
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('configures everything with forms, and the flow runs end to end against the sandbox', async () => {
    const botToken = await createAppUser(http, fixture.secrets.configuratorToken, 'spambot');
    const ana = await createAgent(http, asAdmin(), 'ana');
    await createAgent(http, asAdmin(), 'ben');
    const botHook = await startReceiver((_req, res) => void res.end());
    try {
      await page.reload();
      // A tag for the bot to use.
      await page.fill('#tag-name', 'Agent needed');
      await page.getByRole('button', { name: 'Add tag' }).click();
      expect(await notice()).toBe('Tag “Agent needed” added.');
      // New chats go to the bot first; chats tagged "Agent needed" to the Regular user group.
      await page.selectOption('#rule-tag', '');
      await page.selectOption('#rule-target', { label: 'User spambot (app)' });
      await page.getByRole('button', { name: 'Add rule' }).click();
      expect(await notice()).toBe('Rule added.');
      await page.selectOption('#rule-tag', { label: 'a chat is tagged “Agent needed”' });
      await page.selectOption('#rule-target', { label: 'Group Regular user' });
      await page.selectOption('#rule-method', 'let_group_decide');
      await page.getByRole('button', { name: 'Add rule' }).click();
      const rules = await page.locator('#rules-title + ul').textContent();
      expect(rules).toContain('A new chat writes → assign it to spambot');
      expect(rules).toContain(
        'A chat is tagged “Agent needed” → assign it to the Regular user group (the group decides)',
      );
      // The bot's webhook: only "messages of chats assigned to the user".
      await page.selectOption('#webhook-user', { label: 'spambot (app)' });
      await page.fill('#webhook-url', botHook.url);
      for (const box of await page.locator('input[name=events]').all()) await box.uncheck();
      await page.getByLabel('messages of chats assigned to the user').check();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      expect(await page.locator('#webhook-secret').textContent()).toMatch(/^whsec_/);
      // The bot writes only to chats assigned to it.
      await page.selectOption('#write-3', 'user');
      await page.getByRole('button', { name: 'Save App integration' }).click();
      expect(await notice()).toBe('Permissions of App integration saved.');

      // The API sees what the forms did.
      const webhooks = (await http().get('/api/v1/waba_webhooks/').set(asAdmin()).expect(200)).body.results;
      expect(webhooks).toMatchObject([{ user: { username: 'spambot' }, events: ['assigned_messages'] }]);
      expect(
        (
          await http()
            .get('/api/v1/users/current/')
            .set({ Authorization: `Token ${botToken}` })
        ).body.permissions,
      ).toMatchObject({ can_write_to_chats: 'user' });

      // The flow.
      const customer = '4918200000001';
      await request(fixture.sandboxUrl)
        .post(`/sandbox/channels/${channel}/inbound`)
        .send({ from: customer, name: 'Walkthrough Customer', text: 'I need help' })
        .expect(202);
      await waitFor(() => botHook.received.length >= 1, 10_000);
      const message = JSON.parse(botHook.received[0].body).assigned_messages[0] as Json;
      const asBot = { Authorization: `Token ${botToken}` };
      await http()
        .post('/api/v1/messages/')
        .set(asBot)
        .send({ wa_id: customer, type: 'text', text: { body: 'Let me find a human for you.' } })
        .expect(201);
      const tag = (await http().get('/api/v1/tags/').set(asBot).expect(200)).body.results[0];
      await http()
        .post('/api/v1/message_tagging/')
        .set(asBot)
        .send({ tag: tag.id, message: message.id })
        .expect(201);
      await waitFor(
        async () =>
          (await http().get(`/api/v1/chat_assignment/${customer}/`).set(asAdmin())).body.assigned_group === 2,
      );
      // The bot may no longer write there; an agent takes the chat and answers.
      await http()
        .post('/api/v1/messages/')
        .set(asBot)
        .send({ wa_id: customer, type: 'text', text: { body: 'Still me' } })
        .expect(403);
      const asAna = { Authorization: `Token ${ana.token}` };
      await http()
        .patch(`/api/v1/chat_assignment/${customer}/`)
        .set(asAna)
        .send({ assigned_to_user: ana.id })
        .expect(200);
      await http()
        .post('/api/v1/messages/')
        .set(asAna)
        .send({ wa_id: customer, type: 'text', text: { body: 'Hi, Ana here.' } })
        .expect(201);
      const atSandbox = (await request(fixture.sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body
        .results;
      expect(atSandbox.map((m: Json) => m.payload.text.body).sort()).toEqual([
        'Hi, Ana here.',
        'Let me find a human for you.',
      ]);
    } finally {
      await botHook.close();
    }
  });

  it('explains a mistake on the page, and refuses a form without its CSRF field', async () => {
    await page.reload();
    await page.fill('#webhook-url', 'ftp://example.com/');
    await page.getByRole('button', { name: 'Add webhook' }).click();
    expect(await page.getByRole('alert').first().textContent()).toContain(
      'url: Enter a valid URL: http or https.',
    );
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'sessionid')!.value;
    const forged = await http()
      .post('/admin/tags/')
      .set('Cookie', `sessionid=${session}`)
      .type('form')
      .send({ name: 'Forged' });
    expect(forged.status).toBe(403);
    expect(
      (await http().get('/api/v1/tags/').set(asAdmin())).body.results.map((t: Json) => t.name),
    ).not.toContain('Forged');
  });
});
