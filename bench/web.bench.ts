/**
 * `npm run bench:web` (issue 13): the web inbox in headless Chromium against the built instance (a
 * process of its own), the WhatsApp sandbox and PostgreSQL, with a tenant database of 10,000 chats
 * and one conversation of 5,000 messages (COPY). Side by side with what the same work costs
 * without a browser:
 *  1. initial JavaScript, gzip (budget 200 KB);
 *  2. submitting the login form → the first chat list painted (budget 1 s), vs the two API calls
 *     (token, first chats page) alone;
 *  3. scrolling the 10,000 chats to the end and the 5,000 messages to the first: rows in the DOM
 *     (budget < 200 each) vs rows loaded;
 *  4. a message typed on the sandbox → painted in the open conversation, p95 over 50 (budget
 *     300 ms), vs the same message's websocket frame at a plain client.
 * Run `npm run build` first.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Page } from 'playwright-core';
import request from 'supertest';
import WebSocket from 'ws';
import { createSandbox } from '../apps/waba-sandbox/src/create-sandbox';
import { launchChromium } from '../test/support/browser';
import { createTenantDatabase, dropTenantDatabase } from '../test/support/inbox-harness';
import { MAIN, startInstance } from './inbox-instance';
import { seedConversations } from '../test/support/seed-conversations';
import { pad } from './support';

const CHATS = Number(process.env.BENCH_CHATS ?? 10_000);
const THREAD = Number(process.env.BENCH_THREAD ?? 5_000);
const PROBES = Number(process.env.BENCH_PROBES ?? 50);
const LOGINS = 5;
const WEB = resolve(__dirname, '../dist/apps/inbox-web');
const THREAD_WA_ID = '4916000000001';
const PASSWORD = 'Velvet-Orchard-58';
const out = (line = '') => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
};
const row = (name: string, measured: string, baseline: string, budget: string) =>
  out(`${name.padEnd(44)} ${pad(measured, 12)} ${pad(baseline, 14)} ${pad(budget, 10)}`);

/** The scripts index.html loads at once, as the instance serves them gzip-compressed. */
function initialJavaScriptGzip(): number {
  const html = readFileSync(`${WEB}/index.html`, 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[\w.-]+\.js)"/g)].map((m) => m[1]);
  return scripts.reduce((total, path) => total + statSync(`${WEB}/${path}.gz`).size, 0);
}

/** Milliseconds from the login form's submit event to the first chat row painted. */
async function timedLogin(page: Page, url: string): Promise<number> {
  await page.goto(`${url}/`);
  await page.evaluate(() => localStorage.clear());
  await page.reload();
  await page.getByLabel('Username').fill('owner@example.com');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.evaluate(() => {
    const w = window as unknown as { painted: Promise<number> };
    w.painted = new Promise((done) => {
      let submitted = 0;
      document.addEventListener('submit', () => (submitted = performance.now()), {
        capture: true,
        once: true,
      });
      const observer = new MutationObserver(() => {
        if (!submitted || !document.querySelector('li[data-wa-id]')) return;
        observer.disconnect();
        requestAnimationFrame(() => setTimeout(() => done(performance.now() - submitted)));
      });
      observer.observe(document.body, { childList: true, subtree: true });
    });
  });
  await page.getByRole('button', { name: 'Log in' }).click();
  return page.evaluate(() => (window as unknown as { painted: Promise<number> }).painted);
}

async function apiLogin(url: string): Promise<number> {
  const started = performance.now();
  const token = await request(url)
    .post('/api/v1/auth/token/')
    .send({ username: 'owner@example.com', password: PASSWORD })
    .expect(200);
  await request(url)
    .get('/api/v1/chats/?limit=50&offset=0')
    .set('Authorization', `Token ${token.body.token}`);
  return performance.now() - started;
}

/**
 * Scrolls `scroller` towards `edge` until `done` holds (or nothing changes for 5 s); the most rows
 * of `rowSelector` in the DOM at any step, the steps taken and the seconds spent.
 */
async function scrollThrough(
  page: Page,
  scroller: string,
  rowSelector: string,
  edge: 'top' | 'bottom',
  done: () => Promise<boolean>,
) {
  let most = 0;
  let steps = 0;
  let still = Date.now();
  let lastHeight = -1;
  const started = Date.now();
  while (!(await done())) {
    const { rows, height } = await page.evaluate(
      ([selector, rowsOf, toTop]) => {
        const element = document.querySelector(selector)!;
        element.scrollTop = toTop ? 0 : element.scrollHeight;
        return { rows: document.querySelectorAll(rowsOf).length, height: element.scrollHeight };
      },
      [scroller, rowSelector, edge === 'top'] as const,
    );
    most = Math.max(most, rows);
    steps++;
    if (height !== lastHeight) [lastHeight, still] = [height, Date.now()];
    else if (Date.now() - still > 5_000) throw new Error(`${scroller} stopped growing before the end`);
    await sleep(30);
  }
  most = Math.max(most, await page.locator(rowSelector).count());
  return { most, steps, seconds: (Date.now() - started) / 1000 };
}

async function main(): Promise<void> {
  if (!existsSync(MAIN) || !existsSync(`${WEB}/index.html`)) throw new Error('run npm run build first');
  out(
    `bench:web, Node ${process.version}, Chromium headless; instance, sandbox, browser and PostgreSQL share this machine`,
  );
  const sandbox = await createSandbox();
  await sandbox.listen(0, '127.0.0.1');
  const sandboxUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
  const channel = 'benchWeb';
  const databaseUrl = await createTenantDatabase();
  const instance = await startInstance(databaseUrl, {
    WABA_API_URL: sandboxUrl,
    WABA_API_KEY: `sandbox_${channel}_k3y`,
  });
  const browser = await launchChromium();
  try {
    out(
      await seedConversations(databaseUrl, {
        messages: CHATS * 3,
        chats: CHATS,
        threads: [{ waId: THREAD_WA_ID, name: 'Long Thread', messages: THREAD }],
      }),
    );
    for (let i = 0; i < 100; i++) {
      const channels = (await request(sandboxUrl).get('/sandbox/channels')).body.results as {
        webhook_registered: boolean;
      }[];
      if (channels.some((c) => c.webhook_registered)) break;
      await sleep(100);
    }
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${instance.url}/confirm_account?c=${instance.secrets.activationCode}`);
    await page.fill('#password1', PASSWORD);
    await page.fill('#password2', PASSWORD);
    await Promise.all([page.waitForURL('**/admin/'), page.click('text=SAVE')]);

    out(`\n${''.padEnd(44)} ${pad('web inbox', 12)} ${pad('without browser', 14)} ${pad('budget', 10)}`);
    row('initial JavaScript, gzip', `${(initialJavaScriptGzip() / 1024).toFixed(1)} KB`, '-', '≤ 200 KB');

    const logins: number[] = [];
    const apis: number[] = [];
    await timedLogin(page, instance.url); // warm-up: caches of PostgreSQL and the instance
    for (let i = 0; i < LOGINS; i++) {
      logins.push(await timedLogin(page, instance.url));
      apis.push(await apiLogin(instance.url));
    }
    row(
      `login → first list painted (median, max of ${LOGINS})`,
      `${quantile(logins, 0.5).toFixed(0)}, ${Math.max(...logins).toFixed(0)} ms`,
      `${quantile(apis, 0.5).toFixed(0)}, ${Math.max(...apis).toFixed(0)} ms`,
      '≤ 1000 ms',
    );

    const total = CHATS + 1;
    const list = await scrollThrough(page, '.chat-scroller', 'li[data-wa-id]', 'bottom', async () =>
      page.evaluate(
        (n) =>
          document
            .querySelector('.chat-scroller ul')
            ?.getAttribute('style')
            ?.includes(`height: ${n * 72}px`) ?? false,
        total,
      ),
    );
    row(`chat list: ${total} chats loaded, most rows in DOM`, String(list.most), String(total), '< 200');
    out(`  (${list.steps} scroll steps, ${list.seconds.toFixed(1)} s to reach the end)`);

    await page.goto(`${instance.url}/main/chat/${THREAD_WA_ID}`);
    await page.locator('.bubble-text', { hasText: `message ${THREAD} of ${THREAD}` }).waitFor();
    const thread = await scrollThrough(
      page,
      '.history',
      '.history-row',
      'top',
      async () => (await page.getByText(`message 1 of ${THREAD}`, { exact: true }).count()) > 0,
    );
    row(
      `conversation: ${THREAD} messages loaded, most rows in DOM`,
      String(thread.most),
      String(THREAD),
      '< 200',
    );
    out(`  (${thread.steps} scroll steps, ${thread.seconds.toFixed(1)} s to reach the first message)`);

    // Inbound → painted, with the reader at the latest message; the same messages at a plain socket.
    await page.evaluate(() => {
      const history = document.querySelector('.history')!;
      history.scrollTop = history.scrollHeight;
      const w = window as unknown as { seen: Record<string, number> };
      w.seen = {};
      new MutationObserver(() => {
        for (const bubble of document.querySelectorAll('.bubble.in .bubble-text')) {
          const text = bubble.textContent ?? '';
          if (text.startsWith('probe ') && !(text in w.seen)) {
            w.seen[text] = 0;
            requestAnimationFrame(() => (w.seen[text] = Date.now()));
          }
        }
      }).observe(document.body, { childList: true, subtree: true, characterData: true });
    });
    await sleep(1_000);
    const frames: Record<string, number> = {};
    const socket = new WebSocket(`${instance.url.replace('http', 'ws')}/`);
    await new Promise((r, j) => socket.once('open', r).once('error', j));
    socket.send(JSON.stringify({ token: instance.token }));
    socket.on('message', (data: Buffer) => {
      const match = /probe \d+/.exec(data.toString());
      if (match) frames[match[0]] ??= Date.now();
    });
    const painted: number[] = [];
    const framed: number[] = [];
    for (let i = 1; i <= PROBES; i++) {
      const text = `probe ${i}`;
      const sent = Date.now();
      await request(sandboxUrl)
        .post(`/sandbox/channels/${channel}/inbound`)
        .send({ from: THREAD_WA_ID, name: 'Long Thread', text })
        .expect(202);
      await page.waitForFunction(
        (t) => ((window as unknown as { seen: Record<string, number> }).seen[t] ?? 0) > 0,
        text,
        {
          timeout: 10_000,
          polling: 10,
        },
      );
      painted.push(
        (await page.evaluate((t) => (window as unknown as { seen: Record<string, number> }).seen[t], text)) -
          sent,
      );
      framed.push(frames[text] - sent);
      await sleep(200);
    }
    socket.close();
    row(
      `sandbox → painted, p50 / p95 of ${PROBES}`,
      `${quantile(painted, 0.5)} / ${quantile(painted, 0.95)} ms`,
      `${quantile(framed, 0.5)} / ${quantile(framed, 0.95)} ms`,
      '≤ 300 ms',
    );
  } finally {
    await browser.close();
    await instance.stop();
    await sandbox.close();
    await dropTenantDatabase(databaseUrl);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
