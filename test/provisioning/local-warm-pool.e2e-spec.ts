/**
 * The local runtime's warm pool with real inbox processes: a deploy hands a pre-started process
 * its environment instead of starting one; the pool refills, drops processes of an old build, and
 * its processes exit with the runtime that owns them.
 */
import { MIGRATIONS } from '../../apps/inbox/src/persistence/migrations';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitUntilHealthy } from '@app/provisioning';
import { LocalRuntime } from '@app/runtime';
import { bootstrapEnv, createTenantDatabase, dropTenantDatabase } from '../support/inbox-harness';
import { isAlive, startTs } from '../support/processes';
import { waitFor } from '../support/wait';

const ENTRY = resolve('dist/apps/inbox/main.js');
/** The command line as `ps` shows it (arguments separated by spaces). */
const commandLine = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
const bootLine = (stateDir: string, instanceId: string): { boot_ms: number; warm: boolean }[] =>
  readFileSync(join(stateDir, 'instances', `${instanceId}.log`), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"boot_ms"'))
    .map((l) => JSON.parse(l) as { boot_ms: number; warm: boolean });

describe('local runtime: warm pool (real inbox processes)', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'pp-warm-'));
  const ids = [
    'a0000000000000000000000000000001',
    'a0000000000000000000000000000002',
    'a0000000000000000000000000000003',
    'a0000000000000000000000000000004',
  ];
  const databases: string[] = [];
  let runtime: LocalRuntime;

  const spec = async (instanceId: string) => {
    const url = await createTenantDatabase();
    databases.push(url);
    const { env } = bootstrapEnv(url, { INSTANCE_ID: instanceId, LOG_LEVEL: 'info' });
    delete env.PORT;
    return { instanceId, subdomain: `warm${databases.length}`, env };
  };

  beforeAll(() => {
    runtime = new LocalRuntime(stateDir, { warmInstances: 1 });
    runtime.start();
  });
  afterAll(async () => {
    runtime.close();
    for (const id of ids) await runtime.teardown(id);
    for (const url of databases) await dropTenantDatabase(url);
  });

  it('hands a standby process its environment: it becomes the instance, healthy, secrets not in its /proc environment', async () => {
    await runtime.warmedUp();
    const [standby] = runtime.standbyProcesses();
    expect(runtime.warmCount).toBe(1);
    const deploy = await spec(ids[0]);
    const deployed = await runtime.deploy(deploy);

    expect(runtime.list().find((r) => r.instanceId === ids[0])?.pid).toBe(standby);
    expect(runtime.processesOf(ids[0])).toEqual([standby]);
    await waitUntilHealthy(`${deployed.internalUrl}/api/v1/status/health`, { deadlineMs: 15_000 });
    const [boot] = bootLine(stateDir, ids[0]);
    expect(boot.warm).toBe(true);
    // In `ps` it is now its instance, no longer a spare.
    expect(commandLine(standby)).toContain(`--instance-id=${ids[0]}`);
    expect(commandLine(standby)).not.toContain('--standby');
    expect(runtime.standbyProcesses()).not.toContain(standby);
    const environ = readFileSync(`/proc/${standby}/environ`, 'utf8');
    expect(environ).not.toContain(deploy.env.SECRET_KEY);
    expect(environ).not.toContain(deploy.env.DATABASE_URL);

    // It serves its own tenant: the configurator's token (hash from the env) is known there.
    const health = (await (await fetch(`${deployed.internalUrl}/api/v1/status/health`)).json()) as unknown[];
    expect(health).toEqual([
      { check_name: 'database', is_ok: true, message: 'reachable' },
      { check_name: 'migrations', is_ok: true, message: `${MIGRATIONS.length} applied` },
      { check_name: 'provider', is_ok: false, message: expect.any(String) }, // no provider in this test
    ]);
    // Adopted as it is by a second deploy with the same environment.
    expect(await runtime.deploy(deploy)).toMatchObject({
      state: 'running',
      internalUrl: deployed.internalUrl,
    });
    expect(runtime.processesOf(ids[0])).toEqual([standby]);
  });

  it('refills after deploys pause, and drops standby processes of an older inbox build', async () => {
    await waitFor(() => Promise.resolve(runtime.warmCount === 1), 20_000);
    const [stale] = runtime.standbyProcesses();
    const now = new Date();
    utimesSync(ENTRY, now, now); // "rebuilt"
    const deployed = await runtime.deploy(await spec(ids[1]));
    const [pid] = runtime.processesOf(ids[1]);
    expect(pid).not.toBe(stale);
    expect(commandLine(pid)).toContain(`--instance-id=${ids[1]}`); // started cold
    await waitFor(() => Promise.resolve(!isAlive(stale)));
    await waitUntilHealthy(`${deployed.internalUrl}/api/v1/status/health`, { deadlineMs: 15_000 });
    expect(bootLine(stateDir, ids[1])[0].warm).toBe(false);
  });

  it('replaces a standby process that dies while waiting', async () => {
    await runtime.warmedUp();
    const [victim] = runtime.standbyProcesses();
    process.kill(victim, 'SIGKILL');
    await waitFor(
      () => Promise.resolve(runtime.warmCount === 1 && runtime.standbyProcesses()[0] !== victim),
      20_000,
    );
    expect(isAlive(victim)).toBe(false);
  });

  /** Runs test/support/warm-pool-holder.ts; resolves with it and the standby pids it printed. */
  const startHolder = async (args: string[], env: Record<string, string> = {}) => {
    const { child: holder, output } = startTs('test/support/warm-pool-holder.ts', env, args);
    // Listened for at once: a holder killed by a fault point exits right after printing.
    const exited = new Promise((r) => holder.once('exit', r));
    await waitFor(() => Promise.resolve(output.stdout.includes('\n')), 30_000);
    return { holder, exited, pids: JSON.parse(output.stdout) as number[] };
  };

  it('standby processes exit when the runtime that owns them dies (kill -9)', async () => {
    const { holder, pids } = await startHolder(['hold', mkdtempSync(join(tmpdir(), 'pp-warm-holder-'))]);
    expect(pids).toHaveLength(2);
    expect(pids.every(isAlive)).toBe(true);
    holder.kill('SIGKILL');
    await waitFor(() => Promise.resolve(!pids.some(isAlive)));
  });

  it('a worker killed mid hand-over leaves no instance process behind a redeploy (the record names it first)', async () => {
    const holderDir = mkdtempSync(join(tmpdir(), 'pp-warm-crash-'));
    const deploy = await spec(ids[2]);
    const specFile = join(holderDir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(deploy), { mode: 0o600 });
    const { holder, exited, pids } = await startHolder(['deploy', holderDir, specFile], {
      FAULT_INJECTION: 'runtime.local.handover',
      FAULT_MARKER_DIR: join(holderDir, 'faults'),
    });
    await exited;
    expect(holder.signalCode).toBe('SIGKILL');
    const restarted = new LocalRuntime(holderDir);
    expect(restarted.list()[0]).toMatchObject({ instanceId: ids[2], pid: pids[0], handOverPending: true });

    const deployed = await restarted.deploy(deploy);
    const [pid] = restarted.processesOf(ids[2]);
    expect(restarted.processesOf(ids[2])).toHaveLength(1);
    expect(pid).not.toBe(pids[0]);
    expect(isAlive(pids[0])).toBe(false);
    expect(restarted.list()[0].handOverPending).toBeUndefined();
    await waitUntilHealthy(`${deployed.internalUrl}/api/v1/status/health`, { deadlineMs: 15_000 });
    await restarted.teardown(ids[2]);
    expect(isAlive(pid)).toBe(false);
  });

  it('a worker killed between starting a cold instance and recording its pid leaves no second process', async () => {
    const holderDir = mkdtempSync(join(tmpdir(), 'pp-cold-crash-'));
    const deploy = await spec(ids[3]);
    const specFile = join(holderDir, 'spec.json');
    writeFileSync(specFile, JSON.stringify(deploy), { mode: 0o600 });
    const { holder, exited } = await startHolder(['deploy-cold', holderDir, specFile], {
      FAULT_INJECTION: 'runtime.local.spawned',
      FAULT_MARKER_DIR: join(holderDir, 'faults'),
    });
    await exited;
    expect(holder.signalCode).toBe('SIGKILL');
    const restarted = new LocalRuntime(holderDir);
    expect(restarted.list()[0]).toMatchObject({ instanceId: ids[3], pid: 0, starting: true });
    const [stray] = restarted.processesOf(ids[3]); // found by the instance id on its command line
    expect(isAlive(stray)).toBe(true);

    const deployed = await restarted.deploy(deploy);
    expect(isAlive(stray)).toBe(false);
    expect(restarted.processesOf(ids[3])).toHaveLength(1);
    expect(restarted.list()[0].starting).toBeUndefined();
    await waitUntilHealthy(`${deployed.internalUrl}/api/v1/status/health`, { deadlineMs: 15_000 });
    await restarted.teardown(ids[3]);
  });
});
