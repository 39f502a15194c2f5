import request from 'supertest';
import { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { bootstrapEnv, createTenantDatabase, dropTenantDatabase, startInbox } from '../support/inbox-harness';

describe('activation clicked through in headless Chromium', () => {
  let databaseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await dropTenantDatabase(databaseUrl);
  });

  it('shows the form, explains a bad password, then activates, logs in and shows /admin/', async () => {
    const { env, secrets } = bootstrapEnv(databaseUrl);
    const inbox = await startInbox(env);
    try {
      const page = await browser.newPage();
      await page.goto(`${inbox.url}/confirm_account?c=${secrets.activationCode}`);
      expect(await page.title()).toContain('Activate your account');
      await page.fill('#password1', '12345678');
      await page.fill('#password2', '12345678');
      await page.click('button[type=submit]');
      expect(await page.textContent('.errors')).toContain('This password is entirely numeric.');
      await page.fill('#password1', 'Velvet-Orchard-58');
      await page.fill('#password2', 'Velvet-Orchard-58');
      await Promise.all([page.waitForURL('**/admin/'), page.click('text=SAVE')]);
      expect(await page.textContent('#who')).toContain('Logged in as owner@example.com');
      const cookies = await page.context().cookies();
      expect(cookies.find((c) => c.name === 'sessionid')).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
      const token = await request(inbox.app.getHttpServer())
        .post('/api/v1/auth/token/')
        .send({ username: 'owner@example.com', password: 'Velvet-Orchard-58' });
      expect(token.status).toBe(200);
      expect(token.body.token).toMatch(/^[0-9a-f]{40}$/);
      await page.goto(`${inbox.url}/confirm_account?c=${secrets.activationCode}`);
      expect(await page.textContent('h1')).toBe('Link already used');
    } finally {
      await inbox.app.close();
    }
  });
});
