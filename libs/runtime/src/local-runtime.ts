/**
 * The local runtime: each instance is the built inbox app (`dist/apps/inbox/main.js`) in a
 * detached child process on a free loopback port, so instances outlive a worker crash the way pods
 * do. A state file per instance (`<state dir>/instances/<id>.json`: pid, port, subdomain, a hash
 * of the environment; never the environment itself, which holds secrets) lets a restarted worker
 * adopt running instances, and lets the gateway route by subdomain.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setPriority } from 'node:os';
import { Logger } from '@nestjs/common';
import { crashPoint } from '@app/common/fault-injection';
import { INBOX_NODE_OPTIONS, instanceIdArgument } from '@app/bootstrap';
import { WarmPool, WarmProcess } from './local-warm-pool';
import { InstanceSpec, RuntimeDriver, RuntimeStatus } from './runtime-driver';

/**
 * Tenants run below the control plane's priority: twenty instances booting at once must not
 * starve the worker, the API and PostgreSQL that are bringing them up.
 */
const INSTANCE_NICENESS = 10;

export interface LocalInstanceRecord {
  instanceId: string;
  subdomain: string;
  pid: number;
  port: number;
  envSha256: string;
  startedAt: string;
  /** Set while a warm process is being handed its environment: a crash leaves it unconfirmed. */
  handOverPending?: boolean;
  /** Set before a cold start: a crash before the pid is recorded may have left a process running. */
  starting?: boolean;
}

export interface LocalRuntimeOptions {
  /** Built inbox entry point. */
  entry?: string;
  nodeOptions?: string;
  /** Pre-started inbox processes kept ready (LOCAL_WARM_INSTANCES); 0 starts every instance cold. */
  warmInstances?: number;
}

const envHash = (env: Record<string, string>) =>
  createHash('sha256')
    .update(JSON.stringify(Object.entries(env).sort(([a], [b]) => a.localeCompare(b))))
    .digest('hex');

/** Ports this process handed out lately: the kernel may offer a just-closed port again. */
const recentlyGiven: number[] = [];
const REMEMBERED_PORTS = 64;

/**
 * A port nobody listens on right now (on loopback), and not one this process handed out among its
 * last 64: callers bind later, so two quick calls must not both get a port the kernel re-offers.
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    if (recentlyGiven.includes(port)) continue;
    recentlyGiven.push(port);
    if (recentlyGiven.length > REMEMBERED_PORTS) recentlyGiven.shift();
    return port;
  }
}

export class LocalRuntime implements RuntimeDriver {
  readonly name = 'local';
  private readonly logger = new Logger('LocalRuntime');
  private readonly dir: string;
  private readonly entry: string;
  private readonly nodeOptions: string;
  private readonly pool?: WarmPool;

  constructor(stateDir: string, options: LocalRuntimeOptions = {}) {
    this.dir = join(stateDir, 'instances');
    this.entry = options.entry ?? resolve('dist/apps/inbox/main.js');
    this.nodeOptions = options.nodeOptions ?? INBOX_NODE_OPTIONS;
    mkdirSync(this.dir, { recursive: true });
    if (options.warmInstances) {
      this.pool = new WarmPool({
        size: options.warmInstances,
        entry: this.entry,
        nodeOptions: this.nodeOptions,
        niceness: INSTANCE_NICENESS,
        logDir: join(stateDir, 'standby'),
      });
    }
  }

  /** Starts filling the warm pool (the worker calls it at start-up). */
  start(): void {
    this.pool?.start();
  }

  /** Resolves once the warm pool is full (tests, benchmarks). */
  async warmedUp(): Promise<void> {
    await this.pool?.filled();
  }

  /** Standby processes ready for a deploy right now. */
  get warmCount(): number {
    return this.pool?.size ?? 0;
  }

  /** Stops the standby processes (never an instance). */
  close(): void {
    this.pool?.close();
  }

  async deploy(spec: InstanceSpec): Promise<RuntimeStatus> {
    if (!existsSync(this.entry)) throw new Error(`inbox build not found at ${this.entry}: run npm run build`);
    const record = this.read(spec.instanceId);
    const hash = envHash(spec.env);
    if (record && this.alive(record)) {
      // Adopt when nothing changed; a hand-over a crash left unconfirmed is redone from scratch.
      if (record.envSha256 === hash && !record.handOverPending) return this.running(record);
      await this.stop(record);
    }
    const port = record?.port && !(await this.portTaken(record.port)) ? record.port : await freePort();
    // Every start is recorded before it happens, so /proc is searched only after an interrupted one.
    if (record?.starting) this.killStrays(spec.instanceId);
    const next: LocalInstanceRecord = {
      instanceId: spec.instanceId,
      subdomain: spec.subdomain,
      pid: 0,
      port,
      envSha256: hash,
      startedAt: new Date().toISOString(),
    };
    // Loopback only: the gateway is the way in (an instance on all interfaces was reachable around it).
    const env = { ...spec.env, PORT: String(port), LISTEN_HOST: '127.0.0.1' };
    const warm = this.pool?.take();
    const handedOver = warm && (await this.handOver(warm, next, env));
    next.pid = handedOver ? warm.pid : this.startCold(next, env);
    delete next.handOverPending;
    delete next.starting;
    this.write(next);
    return { ...this.running(next), listening: handedOver ? handedOver.listening : undefined };
  }

  /**
   * Gives a warm process the instance's environment; undefined if that failed (the caller starts
   * the instance cold). The record names the process BEFORE it becomes the instance, so no crash
   * can leave an instance process nobody knows of.
   */
  private async handOver(warm: WarmProcess, record: LocalInstanceRecord, env: Record<string, string>) {
    renameSync(warm.logFile, join(this.dir, `${record.instanceId}.log`));
    this.write({ ...record, pid: warm.pid, handOverPending: true });
    crashPoint('runtime.local.handover');
    try {
      return await warm.handOver(env);
    } catch (error) {
      warm.kill();
      this.logger.warn(
        { instanceId: record.instanceId, err: error },
        'hand-over failed; starting the instance cold',
      );
      return undefined;
    }
  }

  private startCold(record: LocalInstanceRecord, env: Record<string, string>): number {
    const { instanceId } = record;
    this.write({ ...record, pid: 0, starting: true });
    const log = openSync(join(this.dir, `${instanceId}.log`), 'a');
    // The instance id on the command line finds a process whose pid a crash kept us from recording.
    const child = spawn(process.execPath, [this.entry, instanceIdArgument(instanceId)], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: this.nodeOptions, ...env },
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.unref();
    if (!child.pid) throw new Error('could not start the inbox process');
    setPriority(child.pid, INSTANCE_NICENESS);
    crashPoint('runtime.local.spawned');
    return child.pid;
  }

  status(instanceId: string): Promise<RuntimeStatus> {
    const record = this.read(instanceId);
    if (!record) return Promise.resolve({ state: 'missing' });
    if (!this.alive(record))
      return Promise.resolve({ state: 'stopped', detail: `process ${record.pid} is not running` });
    return Promise.resolve(this.running(record));
  }

  bootFailure(instanceId: string): Promise<string | undefined> {
    const record = this.read(instanceId);
    if (!record?.pid || record.starting || record.handOverPending || this.alive(record))
      return Promise.resolve(undefined);
    return Promise.resolve(`process ${record.pid} exited; its last output: ${this.logTail(instanceId)}`);
  }

  /** The end of an instance's log (the inbox logs no secret): what a crash said last. */
  private logTail(instanceId: string, chars = 400): string {
    try {
      const log = readFileSync(join(this.dir, `${instanceId}.log`), 'utf8').trimEnd();
      return log.slice(-chars).replace(/\s+/g, ' ') || '(nothing)';
    } catch {
      return '(no log)';
    }
  }

  async teardown(instanceId: string): Promise<void> {
    const record = this.read(instanceId);
    if (record && this.alive(record)) await this.stop(record);
    this.killStrays(instanceId);
    rmSync(join(this.dir, `${instanceId}.json`), { force: true });
    rmSync(join(this.dir, `${instanceId}.log`), { force: true });
  }

  /**
   * Stops an instance's process and keeps its record (`npm run stop:local`): the worker's next
   * start deploys it again. False when it was not running.
   */
  async stopInstance(instanceId: string): Promise<boolean> {
    const record = this.read(instanceId);
    if (!record || !this.alive(record)) return false;
    await this.stop(record);
    return true;
  }

  /** Every instance this runtime knows of (running or not). */
  list(): LocalInstanceRecord[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => this.read(f.slice(0, -'.json'.length)))
      .filter((r): r is LocalInstanceRecord => r !== undefined);
  }

  private running(record: LocalInstanceRecord): RuntimeStatus {
    return { state: 'running', internalUrl: `http://127.0.0.1:${record.port}` };
  }

  /** Alive and really ours: a recycled pid running something else does not count. */
  private alive(record: LocalInstanceRecord): boolean {
    try {
      process.kill(record.pid, 0);
      const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
      return (
        cmdline.includes(this.entry) && !readFileSync(`/proc/${record.pid}/stat`, 'utf8').includes(') Z ')
      );
    } catch {
      return false;
    }
  }

  private async stop(record: LocalInstanceRecord): Promise<void> {
    try {
      process.kill(record.pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let waited = 0; waited < 5000 && this.alive(record); waited += 50)
      await new Promise((r) => setTimeout(r, 50));
    if (this.alive(record)) process.kill(record.pid, 'SIGKILL');
  }

  /** Processes of this instance other than `keepPid`: started by a worker that died before recording them. */
  private killStrays(instanceId: string, keepPid?: number): void {
    for (const pid of this.processesOf(instanceId)) {
      if (pid === keepPid) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  /** Pids of this runtime's standby (warm, not yet handed over) processes. */
  standbyProcesses(): number[] {
    return this.pool?.pids ?? [];
  }

  /**
   * Live pids running this runtime's entry for the instance: started cold (the id is on their
   * command line, from /proc) or handed over from the warm pool (the record names them).
   */
  processesOf(instanceId: string): number[] {
    const marker = instanceIdArgument(instanceId);
    const record = this.read(instanceId);
    const handedOver = record && this.alive(record) ? [record.pid] : [];
    const started = this.matchingProcesses((args, pid) => pid !== record?.pid && args.includes(marker));
    return [...handedOver, ...started];
  }

  /**
   * Live (not zombie) processes running this runtime's entry whose arguments pass `test`. A claimed
   * standby process has retitled itself (one string, arguments separated by spaces): split both ways.
   */
  private matchingProcesses(test: (args: string[], pid: number) => boolean): number[] {
    const pids: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const raw = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        const separate = raw.split('\0');
        const args = separate.includes(this.entry) ? separate : raw.split(/[\0 ]/);
        if (
          args.includes(this.entry) &&
          test(args, Number(entry)) &&
          !readFileSync(`/proc/${entry}/stat`, 'utf8').includes(') Z ')
        ) {
          pids.push(Number(entry));
        }
      } catch {
        // exited while we looked
      }
    }
    return pids;
  }

  private async portTaken(port: number): Promise<boolean> {
    const server = createServer();
    return new Promise((resolvePort) => {
      server.once('error', () => resolvePort(true));
      server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(false)));
    });
  }

  private read(instanceId: string): LocalInstanceRecord | undefined {
    try {
      return JSON.parse(readFileSync(join(this.dir, `${instanceId}.json`), 'utf8')) as LocalInstanceRecord;
    } catch {
      return undefined;
    }
  }

  /** Written to a temporary file and renamed: a crash never leaves half a record. */
  private write(record: LocalInstanceRecord): void {
    const file = join(this.dir, `${record.instanceId}.json`);
    writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 2), { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}
