/**
 * The web inbox in headless Chromium against a real instance, the WhatsApp sandbox and PostgreSQL:
 * an admin activates the account, logs in, sees a customer's message arrive live, opens it,
 * answers with Enter, and watches the ticks reach "Read"; deep links; the files as served.
 */
import AxeBuilder from '@axe-core/playwright';
import { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../support/browser';
import { InboxWithSandbox, startInboxWithSandbox } from '../support/inbox-harness';
import { ONE_PIXEL_PNG as PNG } from '../support/fixtures';
import { seedConversations } from '../support/seed-conversations';
import { waitFor } from '../support/wait';

const PASSWORD = 'Velvet-Orchard-58';

describe('web inbox', () => {
  const channel = 'chanW1';
  let fixture: InboxWithSandbox;
  let browser: Browser;
  let page: Page;
  const customerWrites = (from: string, text: string) =>
    request(fixture.sandboxUrl)
      .post(`/sandbox/channels/${channel}/inbound`)
      .send({ from, name: 'Dana Web', text })
      .expect(202);

  beforeAll(async () => {
    fixture = await startInboxWithSandbox(channel);
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    await waitFor(
      async () =>
        (await request(fixture.sandboxUrl).get('/sandbox/channels')).body.results.some(
          (c: { webhook_registered: boolean }) => c.webhook_registered,
        ),
      10_000,
    );
  });
  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('takes a new admin from activation to a live chat list', async () => {
    await page.goto(`${fixture.inbox.url}/confirm_account?c=${fixture.secrets.activationCode}`);
    await page.fill('#password1', PASSWORD);
    await page.fill('#password2', PASSWORD);
    await Promise.all([page.waitForURL('**/admin/'), page.click('text=SAVE')]);
    await Promise.all([page.waitForURL(`${fixture.inbox.url}/`), page.getByText('Go to Web Inbox').click()]);
    await page.getByLabel('Username').fill('owner@example.com');
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').getByText('do not match').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByText('No conversations yet').waitFor();
    await page.getByRole('status').getByText('Live').waitFor();
  });

  it('shows an inbound message live with an unread badge, clears it when opened, and answers it', async () => {
    const from = '4915100001001';
    await customerWrites(from, 'Do you ship to Vienna?');
    const row = page.locator(`li[data-wa-id="${from}"]`);
    await row.getByText('Do you ship to Vienna?').waitFor({ timeout: 5_000 });
    await row.getByLabel('1 unread').waitFor();
    await row.getByText('Dana Web').click();
    await page.waitForURL(`**/main/chat/${from}`);
    const conversation = page.getByRole('region', { name: 'Conversation with Dana Web' });
    await conversation.getByText('Do you ship to Vienna?').waitFor();
    await row.getByLabel('1 unread').waitFor({ state: 'detached' });

    // The send's own answer is held back 1 s, so the websocket brings the stored message first;
    // the optimistic bubble must give way to it, never showing the answer twice, not even briefly.
    await page.route('**/api/v1/messages/', async (route) => {
      const answered = await route.fetch();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await route.fulfill({ response: answered });
    });
    await page.evaluate(() => {
      const w = window as unknown as { mostShown: number };
      w.mostShown = 0;
      new MutationObserver(() => {
        const shown = [...document.querySelectorAll('.bubble.out')].filter((b) =>
          b.textContent?.includes('Yes, in 2 days.'),
        ).length;
        w.mostShown = Math.max(w.mostShown, shown);
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    const composer = conversation.getByLabel('Message');
    await composer.fill('Yes, in 2 days.');
    await composer.press('Shift+Enter');
    await composer.pressSequentially('Free above 50 EUR.');
    await composer.press('Enter');
    const answer = conversation.locator('.bubble.out', { hasText: 'Yes, in 2 days.' });
    await answer.getByLabel('Read').waitFor({ timeout: 10_000 });
    await page.unroute('**/api/v1/messages/');
    await expect(page.evaluate(() => (window as unknown as { mostShown: number }).mostShown)).resolves.toBe(
      1,
    );
    const atSandbox = (await request(fixture.sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body
      .results[0];
    expect(atSandbox.payload.text.body).toBe('Yes, in 2 days.\nFree above 50 EUR.');
  });

  it('opens a chat from a deep link and counts messages for chats that are not open in the title', async () => {
    const other = '4915100001002';
    await customerWrites(other, 'Hello?');
    await page.locator(`li[data-wa-id="${other}"]`).waitFor();
    await waitFor(async () => (await page.title()).startsWith('(1)'), 5_000);
    const deep = await page.context().newPage();
    await deep.goto(`${fixture.inbox.url}/main/chat/${other}`); // same browser: the token is in local storage
    await deep.getByRole('region', { name: 'Conversation with Dana Web' }).getByText('Hello?').waitFor();
    await deep.close();
  });

  it('shows an image the customer sent, and sends one that reaches the customer', async () => {
    const from = '4915100001003';
    await request(fixture.sandboxUrl)
      .post(`/sandbox/channels/${channel}/inbound`)
      .send({ from, name: 'Dana Web', image: { data: PNG.toString('base64'), mime_type: 'image/png' } })
      .expect(202);
    await page.locator(`li[data-wa-id="${from}"]`).getByText('Dana Web').click();
    const conversation = page.getByRole('region', { name: 'Conversation with Dana Web' });
    const received = conversation.locator('.bubble.in img');
    await received.waitFor();
    await waitFor(
      async () => (await received.evaluate((img: HTMLImageElement) => img.naturalWidth)) === 1,
      5_000,
    );

    await conversation.getByLabel('Attach an image or a document').setInputFiles({
      name: 'receipt.png',
      mimeType: 'image/png',
      buffer: PNG,
    });
    await conversation.getByLabel('Message').fill('Your receipt');
    await conversation.getByRole('button', { name: 'Send' }).click();
    await conversation.locator('.bubble.out', { hasText: 'Your receipt' }).locator('img').waitFor();
    const sent = (await request(fixture.sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body
      .results[0];
    expect(sent).toMatchObject({ to: from, type: 'image', payload: { image: { caption: 'Your receipt' } } });
    const bytes = await request(fixture.sandboxUrl)
      .get(`/sandbox/media/${sent.payload.image.id}`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(Buffer.compare(bytes.body as Buffer, PNG)).toBe(0);
  });

  it('shows a send at once, offers a retry when it fails (sent once), and never badges the open chat', async () => {
    const from = '4915100001001';
    await page.goto(`${fixture.inbox.url}/main/chat/${from}`);
    const conversation = page.getByRole('region', { name: 'Conversation with Dana Web' });
    await conversation.getByText('Do you ship to Vienna?').waitFor();
    // A message into the open chat: read at once, so its row never shows a badge, not even briefly.
    await page.evaluate((waId) => {
      const w = window as unknown as { badged: boolean };
      w.badged = false;
      new MutationObserver(() => {
        if (document.querySelector(`li[data-wa-id="${waId}"] .badge`)) w.badged = true;
      }).observe(document.body, { childList: true, subtree: true });
    }, from);
    await customerWrites(from, 'Any news on my order?');
    await conversation.getByText('Any news on my order?').waitFor();
    await page.locator(`li[data-wa-id="${from}"]`).getByText('Any news on my order?').waitFor();
    await expect(page.evaluate(() => (window as unknown as { badged: boolean }).badged)).resolves.toBe(false);

    // The provider fails five times: the instance retries for about 4 s, then gives up with a 503.
    await request(fixture.sandboxUrl)
      .post('/sandbox/faults')
      .send({ fail_sends: 5, status: 503 })
      .expect(200);
    const composer = conversation.getByLabel('Message');
    await composer.fill('Checking your order now.');
    await composer.press('Enter');
    const pending = conversation.locator('.bubble.pending', { hasText: 'Checking your order now.' });
    await pending.getByLabel('Sending').waitFor({ timeout: 2_000 }); // long before the instance answers
    await expect(composer.inputValue()).resolves.toBe('');
    await pending.getByRole('alert').getByText('Not sent').waitFor({ timeout: 20_000 });
    await pending.getByRole('button', { name: 'Retry' }).click();
    await conversation
      .locator('.bubble.out:not(.pending)', { hasText: 'Checking your order now.' })
      .getByLabel(/Sent|Delivered|Read/)
      .waitFor({ timeout: 10_000 });
    await expect(pending.count()).resolves.toBe(0);
    const atSandbox = (await request(fixture.sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body
      .results as { payload: { text?: { body: string } } }[];
    expect(atSandbox.filter((m) => m.payload.text?.body === 'Checking your order now.')).toHaveLength(1);
  });

  it('saves the text being written as a saved response, and puts a saved response into the composer', async () => {
    const from = '4915100001001';
    await page.goto(`${fixture.inbox.url}/main/chat/${from}`);
    const conversation = page.getByRole('region', { name: 'Conversation with Dana Web' });
    const composer = conversation.getByLabel('Message');
    await composer.fill('We are open 9 to 17, Monday to Friday.');
    await conversation.getByRole('button', { name: 'Save as a saved response' }).click();
    await conversation.getByRole('button', { name: 'Saved for the team' }).waitFor();
    await composer.fill('Hi Dana,');
    const picker = conversation.getByLabel('Insert a saved response');
    await picker.selectOption({ label: 'We are open 9 to 17, Monday to Friday.' });
    await expect(composer.inputValue()).resolves.toBe('Hi Dana, We are open 9 to 17, Monday to Friday.');
    await composer.press('Enter');
    await conversation
      .locator('.bubble.out:not(.pending)', { hasText: 'Hi Dana, We are open 9 to 17' })
      .waitFor({ timeout: 10_000 });
  });

  it('keeps a long conversation to the rows in view, loading older pages in order as it scrolls up', async () => {
    const waId = '4915100004000';
    await seedConversations(fixture.env.DATABASE_URL, {
      messages: 0,
      chats: 0,
      threads: [{ waId, name: 'Long Story', messages: 400 }],
    });
    await page.goto(`${fixture.inbox.url}/main/chat/${waId}`);
    const conversation = page.getByRole('region', { name: 'Conversation with Long Story' });
    await conversation.getByText('message 400 of 400', { exact: true }).waitFor();
    let most = 0;
    for (let step = 0; step < 200; step++) {
      most = Math.max(most, await page.locator('.history-row').count());
      if ((await conversation.getByText('message 1 of 400', { exact: true }).count()) > 0) break;
      await page.evaluate(() => (document.querySelector('.history')!.scrollTop = 0));
      await page.waitForTimeout(50);
    }
    await conversation.getByText('message 1 of 400', { exact: true }).waitFor({ timeout: 1_000 });
    expect(most).toBeGreaterThan(5);
    expect(most).toBeLessThan(60); // 400 messages loaded, a screenful (plus overscan) in the DOM
    const shown = await page.locator('.bubble-text').allTextContents();
    const numbers = shown.filter((t) => /^message \d+ of 400$/.test(t)).map((t) => Number(t.split(' ')[1]));
    expect(numbers.slice(0, 3)).toEqual([1, 2, 3]); // oldest first, none skipped or repeated at page edges
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });

  it('offers templates instead of free text once the 24-hour window has closed', async () => {
    const from = '4915100001004';
    const old = Math.floor(Date.now() / 1000) - 3 * 24 * 3600;
    await request(fixture.inbox.app.getHttpServer())
      .post(`/waba/webhook/${fixture.env.WABA_WEBHOOK_SECRET}/`)
      .send({
        contacts: [{ profile: { name: 'Old Friend' }, wa_id: from }],
        messages: [
          { from, id: 'wamid.old.web', timestamp: String(old), type: 'text', text: { body: 'Long ago' } },
        ],
      })
      .expect(200);
    await page.goto(`${fixture.inbox.url}/main/chat/${from}`);
    const conversation = page.getByRole('region', { name: 'Conversation with Old Friend' });
    await conversation.getByText('only allows template messages').waitFor();
    await expect(conversation.getByLabel('Message').count()).resolves.toBe(0);
    await conversation.getByLabel('Template').selectOption('order_update/en');
    await conversation.getByLabel('Parameter 1').fill('#42');
    await conversation.getByLabel('Parameter 2').fill('shipped');
    await conversation.getByText('Your order #42 is now shipped.').waitFor();
    await conversation.getByRole('button', { name: 'Send template' }).click();
    await conversation.locator('.bubble.out', { hasText: 'Template: order_update' }).waitFor();
    const sent = (await request(fixture.sandboxUrl).get(`/sandbox/channels/${channel}/messages`)).body
      .results[0];
    expect(sent.payload.template).toEqual({
      name: 'order_update',
      language: { code: 'en' },
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: '#42' },
            { type: 'text', text: 'shipped' },
          ],
        },
      ],
    });
  });

  const api = () => request(fixture.inbox.app.getHttpServer());
  const ownerToken = async () =>
    (
      await api()
        .post('/api/v1/auth/token/')
        .send({ username: 'owner@example.com', password: PASSWORD })
        .expect(200)
    ).body.token as string;
  /** A new agent, activated and logged in in a browser context of their own. */
  const agentPage = async (username: string, first_name: string): Promise<{ id: number; page: Page }> => {
    const created = await api()
      .post('/api/v1/users/')
      .set('Authorization', `Token ${await ownerToken()}`)
      .send({ username, first_name, last_name: 'Agent' })
      .expect(201);
    const agent = await (await browser.newContext()).newPage();
    await agent.goto(created.body.activation_url);
    await agent.fill('#password1', PASSWORD);
    await agent.fill('#password2', PASSWORD);
    await Promise.all([agent.waitForURL('**/admin/'), agent.click('text=SAVE')]);
    await agent.goto(`${fixture.inbox.url}/`);
    await agent.getByLabel('Username').fill(username);
    await agent.getByLabel('Password').fill(PASSWORD);
    await agent.getByRole('button', { name: 'Log in' }).click();
    await agent.getByRole('status').getByText('Live').waitFor();
    return { id: created.body.id as number, page: agent };
  };

  it('shows two agents the same inbound message live; one answers and the other sees it', async () => {
    const { page: second } = await agentPage('alex', 'Alex');
    const from = '4915100001005';
    await page.goto(`${fixture.inbox.url}/`);
    await page.getByRole('status').getByText('Live').waitFor();
    await customerWrites(from, 'Is anyone there?');
    for (const agent of [page, second])
      await agent.locator(`li[data-wa-id="${from}"]`).getByText('Is anyone there?').waitFor();
    await page.locator(`li[data-wa-id="${from}"]`).getByText('Dana Web').click();
    await second.locator(`li[data-wa-id="${from}"]`).getByText('Dana Web').click();
    const composer = second.getByRole('region', { name: 'Conversation with Dana Web' }).getByLabel('Message');
    await composer.fill('Alex here, how can I help?');
    await composer.press('Enter');
    const seenByOwner = page.locator('.bubble.out', { hasText: 'Alex here, how can I help?' });
    await seenByOwner.waitFor({ timeout: 5_000 });
    await expect(seenByOwner.locator('.bubble-sender').textContent()).resolves.toBe('Alex Agent');
    await second.close();
  });

  it('shows who handles a chat and its tags, live; an agent takes it and releases it', async () => {
    const from = '4915100001006';
    await customerWrites(from, 'Who can help me?');
    const blair = await agentPage('blair', 'Blair');
    const header = (p: Page) =>
      p.getByRole('region', { name: 'Conversation with Dana Web' }).locator('header');
    for (const p of [page, blair.page]) {
      await p.goto(`${fixture.inbox.url}/main/chat/${from}`);
      await header(p).getByText('Not assigned').waitFor();
    }
    await header(blair.page).getByRole('button', { name: 'Assign to me' }).click();
    await header(blair.page).getByText('Assigned to you').waitFor();
    const assigned = await api()
      .get(`/api/v1/chat_assignment/${from}/`)
      .set('Authorization', `Token ${await ownerToken()}`)
      .expect(200);
    expect(assigned.body).toMatchObject({ assigned_to_user: blair.id });
    // The admin's page learns it from the websocket, offers to take it over, and the list says who.
    await header(page).getByText('Assigned to Blair Agent').waitFor();
    await header(page).getByRole('button', { name: 'Assign to me' }).waitFor();
    await page.locator(`li[data-wa-id="${from}"]`).getByText('· Blair').waitFor();

    const owner = { Authorization: `Token ${await ownerToken()}` };
    const tag = await api()
      .post('/api/v1/tags/')
      .set(owner)
      .send({ name: 'VIP', web_inbox_color: '#b5179e' })
      .expect(201);
    await api().post('/api/v1/chat_tagging/').set(owner).send({ tag: tag.body.id, chat: from }).expect(201);
    await header(blair.page).getByRole('list', { name: 'Tags' }).getByText('VIP').waitFor();

    await header(blair.page).getByRole('button', { name: 'Unassign' }).click();
    await header(blair.page).getByText('Not assigned').waitFor();
    await header(page).getByText('Not assigned').waitFor();
    await blair.page.close();
  });

  it('has no serious or critical accessibility violations (axe) on the login page, the chat list and a conversation', async () => {
    const serious = async (target: Page) =>
      (await new AxeBuilder({ page: target }).analyze()).violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    const anonymous = await (await browser.newContext()).newPage();
    await anonymous.goto(`${fixture.inbox.url}/`);
    await anonymous.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await serious(anonymous)).toEqual([]);
    await anonymous.close();
    await page.goto(`${fixture.inbox.url}/`);
    await page.locator('li[data-wa-id]').first().waitFor();
    expect(await serious(page)).toEqual([]);
    await page.goto(`${fixture.inbox.url}/main/chat/4915100001001`);
    await page
      .getByRole('region', { name: 'Conversation with Dana Web' })
      .getByText('Do you ship to Vienna?')
      .waitFor();
    expect(await serious(page)).toEqual([]);
  });

  it('reconnects after the instance restarts and shows what arrived while it was down', async () => {
    await page.goto(`${fixture.inbox.url}/`);
    const live = page.getByRole('status').filter({ hasText: /Live|Connecting|Offline/ });
    await live.getByText('Live').waitFor();
    const from = '4915100001006';
    await fixture.restart(async () => {
      await live.getByText('Offline, reconnecting…').waitFor({ timeout: 5_000 });
      // The provider keeps retrying its webhook until the instance answers again.
      await customerWrites(from, 'Written while you were away');
    });
    await live.getByText('Live').waitFor({ timeout: 10_000 });
    await page
      .locator(`li[data-wa-id="${from}"]`)
      .getByText('Written while you were away')
      .waitFor({ timeout: 10_000 });
  });

  it('serves hashed assets compressed and cached for a year, and the page revalidated', async () => {
    const html = await request(fixture.inbox.app.getHttpServer()).get('/').expect(200);
    expect(html.headers['cache-control']).toBe('no-cache');
    expect(html.headers['content-security-policy']).toContain("script-src 'self'");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html.text)![1];
    const asset = await request(fixture.inbox.app.getHttpServer())
      .get(script)
      .set('Accept-Encoding', 'gzip, br')
      .buffer(true)
      .parse((res, done) => {
        res.on('data', () => undefined);
        res.on('end', () => done(null, null));
      })
      .expect(200);
    expect(asset.headers).toMatchObject({
      'content-encoding': 'br',
      'cache-control': 'public, max-age=31536000, immutable',
      'content-type': 'text/javascript; charset=utf-8',
    });
    // React's production build (a build run with NODE_ENV=test once shipped its 574 KB development build).
    const plain = await request(fixture.inbox.app.getHttpServer())
      .get(script)
      .set('Accept-Encoding', 'identity');
    expect(plain.text).toContain('Minified React error'); // only the production build has it
    expect(plain.text.length).toBeLessThan(450_000);
    await request(fixture.inbox.app.getHttpServer()).get('/assets/..%2F..%2Fpackage.json').expect(404);
    await request(fixture.inbox.app.getHttpServer()).get('/assets/nope.js').expect(404);
  });
});
