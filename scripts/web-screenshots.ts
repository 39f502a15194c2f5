/**
 * `npx ts-node -r tsconfig-paths/register --transpile-only scripts/web-screenshots.ts`: the README's
 * screenshots of the web inbox (docs/screenshots/), taken in Chromium from a real instance with the
 * WhatsApp sandbox playing two customers. Run `npm run build` first.
 */
import { join, resolve } from 'node:path';
import request from 'supertest';
import { launchChromium } from '../test/support/browser';
import { startInboxWithSandbox } from '../test/support/inbox-harness';
import { waitFor } from '../test/support/wait';

const OUT = resolve(__dirname, '../docs/screenshots');
const PASSWORD = 'Velvet-Orchard-58';

async function main(): Promise<void> {
  const channel = 'shots';
  const fixture = await startInboxWithSandbox(channel);
  const browser = await launchChromium();
  try {
    await waitFor(async () => {
      const channels = (await request(fixture.sandboxUrl).get('/sandbox/channels')).body as {
        results: { webhook_registered: boolean }[];
      };
      return channels.results.some((c) => c.webhook_registered);
    }, 10_000);
    const write = (from: string, name: string, text: string) =>
      request(fixture.sandboxUrl)
        .post(`/sandbox/channels/${channel}/inbound`)
        .send({ from, name, text })
        .expect(202);
    await write('4915112345678', 'Kerry Smith', 'Hi! Is my order #1042 on its way?');
    await write('4930123456789', 'Jonas Weber', 'Can I change the delivery address?');
    await write('4917612345670', 'Ana Lima', 'Thanks, it arrived today 🙌');

    const page = await (await browser.newContext({ viewport: { width: 1200, height: 720 } })).newPage();
    await page.goto(`${fixture.inbox.url}/confirm_account?c=${fixture.secrets.activationCode}`);
    await page.fill('#password1', PASSWORD);
    await page.fill('#password2', PASSWORD);
    await Promise.all([page.waitForURL('**/admin/'), page.click('text=SAVE')]);
    // The owner's name, a tag on Kerry's chat and Jonas's chat with the agents' group, as a team would have them.
    const api = () => request(fixture.inbox.app.getHttpServer());
    const login = await api()
      .post('/api/v1/auth/token/')
      .send({ username: 'owner@example.com', password: PASSWORD })
      .expect(200);
    const token = (login.body as { token: string }).token;
    const owner = { Authorization: `Token ${token}` };
    const me = (await api().get('/api/v1/users/current/').set(owner).expect(200)).body as { id: number };
    await api()
      .patch(`/api/v1/users/${me.id}/`)
      .set(owner)
      .send({ first_name: 'Sam', last_name: 'Owner' })
      .expect(200);
    const tag = (
      await api()
        .post('/api/v1/tags/')
        .set(owner)
        .send({ name: 'Order', web_inbox_color: '#1d4ed8' })
        .expect(201)
    ).body as { id: number };
    await api()
      .post('/api/v1/chat_tagging/')
      .set(owner)
      .send({ tag: tag.id, chat: '4915112345678' })
      .expect(201);
    await api()
      .patch('/api/v1/chat_assignment/4930123456789/')
      .set(owner)
      .send({ assigned_group: 2 })
      .expect(200);
    await page.goto(`${fixture.inbox.url}/`);
    await page.screenshot({ path: join(OUT, 'login.png') });
    await page.getByLabel('Username').fill('owner@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('li[data-wa-id="4915112345678"]').waitFor();
    await page.screenshot({ path: join(OUT, 'chat-list.png') });
    await page.locator('li[data-wa-id="4915112345678"]').getByText('Kerry Smith').click();
    await page.getByRole('button', { name: 'Assign to me' }).click();
    await page.getByText('Assigned to you').waitFor();
    const composer = page.getByLabel('Message');
    await composer.fill('Yes, it ships today and arrives tomorrow.');
    await composer.press('Enter');
    await page.locator('.bubble.out').getByLabel('Read').waitFor({ timeout: 10_000 });
    await write('4915112345678', 'Kerry Smith', 'Perfect, thank you!');
    await page.locator('.bubble.in', { hasText: 'Perfect, thank you!' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(OUT, 'conversation.png') });
    await page.setViewportSize({ width: 390, height: 760 });
    await page.screenshot({ path: join(OUT, 'conversation-phone.png') });
    process.stdout.write(`screenshots written to ${OUT}\n`);
  } finally {
    await browser.close();
    await fixture.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
