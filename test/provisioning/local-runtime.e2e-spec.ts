import { mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo, Socket, connect } from 'node:net';
import { waitUntilHealthy } from '@app/provisioning';
import { TransientStepError } from '@app/common';
import { GATEWAY_LIMITS, LocalRuntime, createLocalGateway } from '@app/runtime';
import { bootstrapEnv, createTenantDatabase, dropTenantDatabase } from '../support/inbox-harness';
import { isAlive } from '../support/processes';
import { waitFor } from '../support/wait';

/** GET through the gateway with a chosen Host header (Node cannot resolve *.localhost itself). */
const viaGateway = (port: number, host: string, path: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

/** Local addresses (hex, as the kernel lists them) of sockets listening on `port`. */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((cols) => cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') // 0A: LISTEN
      .map((cols) => cols[1].split(':')[0]),
  );
}

describe('local runtime and gateway (real inbox processes)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'pp-runtime-'));
  let databaseUrl: string;
  let env: Record<string, string>;
  const instanceId = 'abcdef0123456789abcdef0123456789';

  beforeAll(async () => {
    databaseUrl = await createTenantDatabase();
    ({ env } = bootstrapEnv(databaseUrl, { INSTANCE_ID: instanceId }));
    delete env.PORT;
  });
  afterAll(async () => {
    await new LocalRuntime(stateDir).teardown(instanceId);
    await dropTenantDatabase(databaseUrl);
  });

  it('deploys the inbox as a process that becomes healthy, and a repeated deploy changes nothing', async () => {
    const runtime = new LocalRuntime(stateDir);
    const deployed = await runtime.deploy({ instanceId, subdomain: 'acme', env });
    expect(deployed.state).toBe('running');
    expect(
      await waitUntilHealthy(`${deployed.internalUrl}/api/v1/status/health`, { deadlineMs: 15_000 }),
    ).toBeGreaterThanOrEqual(1);
    const pid = runtime.list()[0].pid;
    expect(await runtime.deploy({ instanceId, subdomain: 'acme', env })).toEqual(deployed);
    expect(runtime.list()[0].pid).toBe(pid);
    const record = readFileSync(join(stateDir, 'instances', `${instanceId}.json`), 'utf8');
    // Loopback only (0100007F is 127.0.0.1): nobody reaches an instance around the gateway.
    expect(listeningAddresses(runtime.list()[0].port)).toEqual(['0100007F']);
    expect(record).not.toContain(env.SECRET_KEY);
    expect(record).not.toContain(env.DATABASE_URL);
  });

  it('lets a restarted worker adopt the running instance (a new runtime object sees the same process)', async () => {
    const restarted = new LocalRuntime(stateDir);
    const before = restarted.list()[0].pid;
    expect((await restarted.status(instanceId)).state).toBe('running');
    await restarted.deploy({ instanceId, subdomain: 'acme', env });
    expect(restarted.list()[0].pid).toBe(before);
  });

  it('routes {subdomain}.localhost:{port} through the gateway, 404 for an unknown subdomain', async () => {
    const gateway = createLocalGateway(new LocalRuntime(stateDir), 'localhost:8080');
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const port = (gateway.address() as AddressInfo).port;
    try {
      const health = await viaGateway(port, 'acme.localhost:8080', '/api/v1/status/health');
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)[0]).toMatchObject({ check_name: 'database', is_ok: true });
      const unknown = await viaGateway(port, 'nobody.localhost:8080', '/api/v1/status/health');
      expect(unknown.status).toBe(404);
      expect(JSON.parse(unknown.body)).toEqual({ detail: 'No instance serves nobody.localhost:8080' });
    } finally {
      await new Promise((r) => gateway.close(r));
    }
  });

  it('cuts off stalled headers and half-open upgrades within the apps’ limits, and bounds its connections', async () => {
    const gateway = createLocalGateway(new LocalRuntime(stateDir), 'localhost:8080', 3);
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    const port = (gateway.address() as AddressInfo).port;
    /** Writes `text`, then resolves with what came back and after how long the gateway closed. */
    const stall = (text: string) =>
      new Promise<{ answer: string; ms: number }>((resolve) => {
        const started = Date.now();
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        let answer = '';
        socket.on('data', (d: Buffer) => (answer += d.toString()));
        socket.on('error', () => undefined);
        socket.on('close', () => resolve({ answer, ms: Date.now() - started }));
      });
    try {
      const [header, upgrade] = await Promise.all([
        stall('GET /api/v1/status/health HTTP/1.1\r\nHost: acme.localhost:8080\r\nX-Slow: '),
        stall(
          'GET / HTTP/1.1\r\nHost: websockets-acme.localhost:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n',
        ),
      ]);
      for (const cut of [header, upgrade]) {
        expect(cut.answer).toMatch(/^HTTP\/1\.1 408/);
        // headersTimeout (5 s) checked every second: Node's default held one for 60-85 s.
        expect(cut.ms).toBeLessThan(
          GATEWAY_LIMITS.headersTimeout + 2 * GATEWAY_LIMITS.connectionsCheckingInterval + 500,
        );
      }
      // Three connections held open: the fourth is closed at once, and a freed slot is usable again.
      const held = await Promise.all(
        [1, 2, 3].map(
          () =>
            new Promise<Socket>((resolve) => {
              const socket = connect(port, '127.0.0.1', () => resolve(socket));
            }),
        ),
      );
      const fourth = await stall('GET / HTTP/1.1\r\nHost: acme.localhost:8080\r\n\r\n');
      expect(fourth.answer).toBe('');
      expect(fourth.ms).toBeLessThan(1_000);
      held.forEach((socket) => socket.destroy());
      await new Promise((r) => setTimeout(r, 100));
      expect((await viaGateway(port, 'acme.localhost:8080', '/api/v1/status/health')).status).toBe(200);
    } finally {
      await new Promise((r) => gateway.close(r));
    }
  }, 20_000);

  it('restarts an instance whose process died (kill -9), and redeploys one whose environment changed', async () => {
    const runtime = new LocalRuntime(stateDir);
    const killed = runtime.list()[0].pid;
    process.kill(killed, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    expect((await runtime.status(instanceId)).state).toBe('stopped');
    const again = await runtime.deploy({ instanceId, subdomain: 'acme', env });
    const restartedPid = runtime.list()[0].pid;
    expect(restartedPid).not.toBe(killed);
    await waitUntilHealthy(`${again.internalUrl}/api/v1/status/health`, { deadlineMs: 15_000 });
    await runtime.deploy({ instanceId, subdomain: 'acme', env: { ...env, MAX_NUMBER_OF_SEATS: '9' } });
    expect(runtime.list()[0].pid).not.toBe(restartedPid);
    expect(isAlive(restartedPid)).toBe(false);
  });

  it('tells at once that a deployed process exited during boot, with what it said last', async () => {
    const runtime = new LocalRuntime(stateDir);
    const broken = 'c0ffee00c0ffee00c0ffee00c0ffee00';
    // No DATABASE_URL (among others): the inbox refuses to start and exits.
    await runtime.deploy({ instanceId: broken, subdomain: 'broken', env: { INSTANCE_ID: broken } });
    expect(await runtime.bootFailure(instanceId)).toBeUndefined(); // the healthy one
    let reason: string | undefined;
    await waitFor(async () => (reason = await runtime.bootFailure(broken)) !== undefined, 10_000);
    expect(reason).toMatch(/^process \d+ exited; its last output: .*DATABASE_URL is required/);
    await runtime.teardown(broken);
  });

  it('tears down: the process stops and the record goes; tearing down again is fine', async () => {
    const runtime = new LocalRuntime(stateDir);
    const pid = runtime.list()[0].pid;
    await runtime.teardown(instanceId);
    expect(isAlive(pid)).toBe(false);
    expect(await runtime.status(instanceId)).toEqual({ state: 'missing' });
    await expect(runtime.teardown(instanceId)).resolves.toBeUndefined();
  });

  it('gives up waiting for health at the deadline with the last answer', async () => {
    const error = await waitUntilHealthy('http://127.0.0.1:1/api/v1/status/health', {
      deadlineMs: 300,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientStepError);
    expect((error as Error).message).toMatch(/^not healthy after 0 s \(\d+ checks\); last answer: /);
  });
});
