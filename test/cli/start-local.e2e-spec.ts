/**
 * `npm run start:local` supervises its components: the Partner API killed with SIGKILL comes back
 * by itself, and the log says so; SIGTERM stops every component. The whole script runs for real
 * (services check, build check, migrations, sandbox partner) on ports and databases of its own.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { get } from 'node:http';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/runtime';
import IORedis from 'ioredis';
import { loadConfig } from '@app/config';
import { recreateDatabase } from '@app/domain/migrate';
import { uniqueChannel } from '../support/api-harness';
import { launchChromium } from '../support/browser';
import { REPO, isAlive } from '../support/processes';
import { waitFor, waitForHttp } from '../support/wait';

/** Pids of processes whose command line contains `needle` and whose parent is `parent`. */
function childrenRunning(parent: number, needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === parent && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false; // gone meanwhile
      }
    });
}

const PASSWORD = 'Velvet-Orchard-58';
const DATABASE = 'postgres://postgres@127.0.0.1:5432/start_local_e2e';
const REDIS = 'redis://127.0.0.1:6379/8';
const printedKey = (output: string) => /sandbox key\s+(pp_\S+)/.exec(output)?.[1];

describe('npm run start:local supervises the platform', () => {
  let script: ChildProcess | undefined;
  let output = '';
  const stateDir = mkdtempSync(join(tmpdir(), 'start-local-'));
  let env: Record<string, string> = {};
  const started: ChildProcess[] = [];
  /** start-local.sh in a process group of its own, so a failed test can stop every component. */
  const launch = (stdio: 'ignore' | 'pipe') => {
    script = spawn('bash', ['scripts/start-local.sh'], {
      cwd: REPO,
      env,
      stdio: ['ignore', stdio, stdio],
      detached: true,
    });
    started.push(script);
    return script;
  };

  // The database and Redis of these tests start empty: instances of an earlier run would be revived.
  beforeAll(async () => {
    await recreateDatabase({ ...loadConfig(), DATABASE_URL: DATABASE });
    const redis = new IORedis(REDIS);
    await redis.flushdb();
    redis.disconnect();
  });

  afterAll(async () => {
    for (const child of started.filter((c) => c.exitCode === null && c.signalCode === null)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Tenant instances run detached from the supervisor: stop:local finds them by their records.
    await new Promise((r) =>
      spawn('npm', ['run', '--silent', 'stop:local'], { cwd: REPO, env, stdio: 'ignore' }).once('exit', r),
    );
  });

  it('restarts a component that dies (saying so), and SIGTERM stops them all', async () => {
    const [api, gateway, smtp, mail, sandbox] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    expect(new Set([api, gateway, smtp, mail, sandbox]).size).toBe(5); // CI once got the same port twice
    env = {
      ...(process.env as Record<string, string>),
      PORT: String(api),
      GATEWAY_PORT: String(gateway),
      MAIL_CATCHER_SMTP_PORT: String(smtp),
      MAIL_CATCHER_HTTP_PORT: String(mail),
      WABA_SANDBOX_PORT: String(sandbox),
      SMTP_URL: `smtp://127.0.0.1:${smtp}`,
      BASE_DOMAIN: `localhost:${gateway}`,
      DATABASE_URL: DATABASE,
      REDIS_URL: REDIS,
      LOCAL_STATE_DIR: stateDir,
      LOCAL_WARM_INSTANCES: '0',
      TENANT_DATABASE_SPARES: '0',
      LOG_LEVEL: 'warn',
    };
    script = launch('pipe');
    script.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    script.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<void>((r) => script!.once('exit', () => r()));

    await waitForHttp(`http://127.0.0.1:${api}/health/live`, 120_000);
    await waitForHttp(`http://127.0.0.1:${mail}/`, 30_000);
    const supervisor = script.pid!; // start-local.sh execs the supervisor
    const [first] = childrenRunning(supervisor, 'dist/apps/partner-api/main.js');
    expect(first).toBeGreaterThan(0);
    expect(childrenRunning(supervisor, 'dist/apps/worker/main.js')).toHaveLength(1);

    process.kill(first, 'SIGKILL');
    await waitFor(() => Promise.resolve(output.includes('[supervisor] api exited (SIGKILL)')), 10_000);
    expect(output).toMatch(/\[supervisor\] api exited \(SIGKILL\) after [\d.]+ s; restarting in 0\.5 s/);
    await waitFor(() => Promise.resolve(output.includes('[supervisor] restarting api')), 10_000);
    await waitForHttp(`http://127.0.0.1:${api}/health/live`, 60_000);
    const [second] = childrenRunning(supervisor, 'dist/apps/partner-api/main.js');
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);

    const components = ['partner-api', 'worker', 'gateway', 'mail-catcher', 'waba-sandbox'].flatMap((app) =>
      childrenRunning(supervisor, `dist/apps/${app}/main.js`),
    );
    expect(components).toHaveLength(5);
    await waitForHttp(`http://127.0.0.1:${sandbox}/`, 30_000); // the customer's page
    script.kill('SIGTERM');
    await exited;
    expect(output).toContain('[supervisor] SIGTERM: stopping mail, sandbox, gateway, api, worker');
    expect(output).toContain('Tenant instances keep running on purpose');
    await waitFor(() => Promise.resolve(components.every((pid) => !isAlive(pid))), 15_000);
  }, 180_000);

  it('prints the same sandbox key on the next start, kept readable by the owner only', async () => {
    const first = printedKey(output);
    expect(first).toMatch(/^pp_[\w-]{43}$/);
    expect(statSync(join(stateDir, 'sandbox-api-key')).mode & 0o777).toBe(0o600);
    let again = '';
    script = launch('pipe');
    script.stdout!.on('data', (d: Buffer) => (again += d.toString()));
    script.stderr!.on('data', (d: Buffer) => (again += d.toString()));
    const exited = new Promise<void>((r) => script!.once('exit', () => r()));
    await waitFor(() => Promise.resolve(printedKey(again) !== undefined), 60_000);
    expect(printedKey(again)).toBe(first);
    // The key works (the API is the one this start runs).
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health/live`, 60_000);
    const me = await fetch(`http://127.0.0.1:${env.PORT}/v1/partner_id`, {
      headers: { Authorization: `Bearer ${first}` },
    });
    expect(await me.json()).toEqual({ partner_id: 'sandbox' });
    script.kill('SIGTERM');
    await exited;
  }, 120_000);

  const start = () => {
    script = launch('ignore');
    return new Promise<void>((r) => script!.once('exit', () => r()));
  };
  // Through the gateway, by Host header (fetch would not send ours; Node cannot resolve *.localhost).
  const health = (subdomain: string) =>
    new Promise<number>((resolveStatus) => {
      const request = get(
        {
          host: '127.0.0.1',
          port: Number(env.GATEWAY_PORT),
          path: '/api/v1/status/health',
          headers: { Host: `${subdomain}.localhost:${env.GATEWAY_PORT}` },
        },
        (response) => {
          response.resume();
          resolveStatus(response.statusCode ?? 0);
        },
      );
      request.on('error', () => resolveStatus(0));
    });
  const stopLocal = () =>
    new Promise<string>((resolvePrinted) => {
      let printed = '';
      const stop = spawn('npm', ['run', '--silent', 'stop:local'], { cwd: REPO, env });
      stop.stdout.on('data', (d: Buffer) => (printed += d.toString()));
      stop.once('exit', () => resolvePrinted(printed));
    });

  it('npm run stop:local stops the control plane and the instances; the next start starts them again', async () => {
    const key = printedKey(output)!;
    const auth = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    let exited = start();
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health/live`, 60_000);
    const created = (await (
      await fetch(`http://127.0.0.1:${env.PORT}/v1/instances`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ d360_api_key: 'givenKey123', generate_activation: true }),
      })
    ).json()) as { id: string; subdomain: string };
    await waitFor(async () => (await health(created.subdomain)) === 200, 60_000);
    const [instancePid] = readdirSync('/proc').filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`--instance-id=${created.id}`);
      } catch {
        return false;
      }
    });
    expect(Number(instancePid)).toBeGreaterThan(0);

    const printed = await stopLocal();
    await exited;
    expect(printed).toContain('Stopped the control plane.');
    expect(printed).toContain('Stopped 1 tenant instance(s)');
    expect(isAlive(Number(instancePid))).toBe(false);
    expect(await health(created.subdomain)).toBe(0); // the gateway is gone too

    exited = start();
    await waitFor(async () => (await health(created.subdomain)) === 200, 90_000);
    expect(await stopLocal()).toContain('Stopped 1 tenant instance(s)');
    await exited;
  }, 240_000);

  it('a person creates an instance, activates it from the e-mail, opens the web inbox from the admin page, and answers a message typed on the sandbox page (Chromium)', async () => {
    const key = printedKey(output)!;
    const exited = start();
    await waitForHttp(`http://127.0.0.1:${env.PORT}/health/live`, 60_000);
    const email = 'owner@shop.example';
    const channel = uniqueChannel();
    const answer = await fetch(`http://127.0.0.1:${env.PORT}/v1/instances`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel_id: channel, admin_email: email }),
    });
    expect(answer.status).toBe(201);
    const created = (await answer.json()) as { id: string; subdomain: string };
    await waitFor(async () => (await health(created.subdomain)) === 200, 90_000);
    const browser = await launchChromium();
    try {
      const context = await browser.newContext();
      const owner = await context.newPage();
      // The activation e-mail, read where start:local keeps mail: the mail catcher's page.
      await owner.goto(`http://127.0.0.1:${env.MAIL_CATCHER_HTTP_PORT}/`);
      await waitFor(async () => {
        await owner.reload();
        return (await owner.getByRole('link', { name: 'WhatsApp Inbox Activation' }).count()) > 0;
      }, 30_000);
      await owner.getByRole('link', { name: 'WhatsApp Inbox Activation' }).click();
      await owner.locator('.text-part a[href*="/confirm_account"]').click();
      await owner.waitForURL(`http://${created.subdomain}.localhost:${env.GATEWAY_PORT}/confirm_account**`);
      await owner
        .locator('#password1')
        .waitFor({ timeout: 10_000 })
        .catch(async () => {
          throw new Error(`no password form at ${owner.url()}: ${await owner.innerText('body')}`);
        });
      await owner.fill('#password1', PASSWORD);
      await owner.fill('#password2', PASSWORD);
      await Promise.all([owner.waitForURL('**/admin/'), owner.click('text=SAVE')]);
      await Promise.all([
        owner.waitForURL(`http://${created.subdomain}.localhost:${env.GATEWAY_PORT}/`),
        owner.getByText('Go to Web Inbox').click(),
      ]);
      await owner.getByLabel('Username').fill(email);
      await owner.getByLabel('Password').fill(PASSWORD);
      await owner.getByRole('button', { name: 'Log in' }).click();
      await owner.getByText('No conversations yet').waitFor();
      await owner.getByRole('status').getByText('Live').waitFor(); // the websocket, through the gateway
      await owner.locator('.instance-name', { hasText: created.subdomain }).waitFor(); // which inbox this is

      // The customer types on the sandbox page, in another tab.
      const customer = await context.newPage();
      await customer.goto(`http://127.0.0.1:${env.WABA_SANDBOX_PORT}/`);
      await customer.getByLabel('Channel').selectOption(channel);
      await customer.getByLabel('Your number').fill('4915100007007');
      await customer.getByLabel('Your name').fill('Walk Through');
      await customer.getByLabel('Message').fill('Is my order on its way?');
      await customer.getByRole('button', { name: 'Send' }).click();

      const row = owner.locator('li[data-wa-id="4915100007007"]');
      await row.getByLabel('1 unread').waitFor({ timeout: 10_000 });
      await row.getByText('Walk Through').click();
      const conversation = owner.getByRole('region', { name: 'Conversation with Walk Through' });
      await conversation.getByText('Is my order on its way?').waitFor();
      await conversation.getByLabel('Message').fill('Yes, it arrives tomorrow.');
      await conversation.getByLabel('Message').press('Enter');
      await customer
        .locator('.msg.out', { hasText: 'Yes, it arrives tomorrow.' })
        .waitFor({ timeout: 10_000 });
      await conversation
        .locator('.bubble.out', { hasText: 'Yes, it arrives tomorrow.' })
        .getByLabel('Read')
        .waitFor({ timeout: 10_000 });
    } finally {
      await browser.close();
    }
    expect(await stopLocal()).toContain('Stopped 2 tenant instance(s)');
    await exited;
  }, 240_000);
});
