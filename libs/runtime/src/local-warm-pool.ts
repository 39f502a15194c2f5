/**
 * Pre-started inbox processes for the local runtime. Most of an instance's boot is Node loading
 * its code (~0.4 s and ~0.5 CPU-s of ~0.6 s here, docs/worker.md); a standby process has done that
 * already and only needs its bootstrap environment (standby-protocol.ts). The pool refills one
 * process at a time, and only once deploys have paused, so refilling never competes with the
 * instances it is meant to speed up. Standby processes hold no tenant data and exit with the
 * worker (their IPC channel closes).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, statSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { BootstrapMessage, STANDBY_FLAG, STANDBY_TITLE_RESERVE, StandbyMessage } from '@app/bootstrap';
import { afterBurst } from '@app/common/timing/quiet-period';

/** A standby process that died while waiting is replaced after this long. */
const REPLACE_DELAY_MS = 1000;
/** A standby process that has not loaded its code by then is killed (and the pool backs off). */
const STANDBY_START_TIMEOUT_MS = 30_000;
const HANDOVER_TIMEOUT_MS = 5000;

export interface WarmPoolOptions {
  size: number;
  entry: string;
  nodeOptions: string;
  niceness: number;
  /** Where standby processes write their log until a hand-over names it after the instance. */
  logDir: string;
}

export class WarmProcess {
  constructor(
    readonly child: ChildProcess,
    readonly pid: number,
    readonly logFile: string,
    /** The inbox build it loaded (mtime of the entry file): a rebuilt inbox makes it stale. */
    readonly build: number,
  ) {}

  get usable(): boolean {
    return this.child.connected && this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Sends the bootstrap environment; resolves once the process has taken it, with a promise that
   * resolves when it listens (never rejects: a process that dies first is left to the health check).
   */
  handOver(env: Record<string, string>): Promise<{ listening: Promise<void> }> {
    const listening = new Promise<void>((resolve) => {
      const onMessage = (message: StandbyMessage) => {
        if (message?.type !== 'listening') return;
        this.child.off('message', onMessage);
        resolve();
      };
      this.child.on('message', onMessage);
      this.child.once('disconnect', () => this.child.off('message', onMessage));
    });
    return new Promise((resolve, reject) => {
      const fail = (why: string) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        reject(new Error(`warm inbox process ${this.pid}: ${why}`));
      };
      const onMessage = (message: StandbyMessage) => {
        if (message?.type !== 'claimed') return;
        clearTimeout(timer);
        this.child.off('message', onMessage);
        resolve({ listening });
      };
      const timer = setTimeout(() => fail(`no answer within ${HANDOVER_TIMEOUT_MS} ms`), HANDOVER_TIMEOUT_MS);
      this.child.on('message', onMessage);
      this.child.send({ type: 'bootstrap', env } satisfies BootstrapMessage, (error) => {
        if (error) fail(error.message);
      });
    });
  }

  kill(): void {
    try {
      this.child.kill('SIGKILL');
    } catch {
      // gone already
    }
    rmSync(this.logFile, { force: true });
  }
}

export class WarmPool {
  private readonly logger = new Logger('WarmPool');
  private readonly ready: WarmProcess[] = [];
  private refillTimer?: NodeJS.Timeout;
  private readonly refillAfterBurst = afterBurst(() => this.scheduleRefill(0));
  private filling?: Promise<void>;
  private closed = false;
  private failures = 0;

  constructor(private readonly options: WarmPoolOptions) {
    mkdirSync(options.logDir, { recursive: true });
  }

  get size(): number {
    return this.pids.length;
  }

  get pids(): number[] {
    return this.ready.filter((p) => p.usable).map((p) => p.pid);
  }

  /** Fills the pool now (worker start). */
  start(): void {
    this.scheduleRefill(0);
  }

  /** A standby process of the current inbox build, or undefined (the caller starts one cold). */
  take(): WarmProcess | undefined {
    this.refillAfterBurst.poke();
    const build = this.currentBuild();
    while (this.ready.length > 0) {
      const candidate = this.ready.shift()!;
      if (candidate.usable && candidate.build === build) return candidate;
      candidate.kill();
    }
    return undefined;
  }

  /** Resolves once the pool holds `size` processes (or has given up for now); for tests and benchmarks. */
  async filled(): Promise<void> {
    this.scheduleRefill(0);
    while (!this.closed && this.size < this.options.size && this.failures === 0) {
      await (this.filling ?? new Promise((r) => setTimeout(r, 20)));
    }
  }

  close(): void {
    this.closed = true;
    this.refillAfterBurst.cancel();
    clearTimeout(this.refillTimer);
    for (const process of this.ready.splice(0)) process.kill();
  }

  private scheduleRefill(delayMs: number): void {
    if (this.closed || this.options.size === 0) return;
    clearTimeout(this.refillTimer);
    this.refillTimer = setTimeout(() => {
      this.filling ??= this.fill().finally(() => (this.filling = undefined));
    }, delayMs);
    this.refillTimer.unref();
  }

  private async fill(): Promise<void> {
    // Forget processes that died while waiting (killed by hand, OOM): they are replaced below.
    for (const gone of this.ready.filter((p) => !p.usable)) gone.kill();
    this.ready.splice(0, this.ready.length, ...this.ready.filter((p) => p.usable));
    while (!this.closed && this.size < this.options.size) {
      try {
        this.ready.push(await this.startOne());
        this.failures = 0;
      } catch (error) {
        // A broken build must not become a fork loop: back off, deploys start instances cold meanwhile.
        this.failures += 1;
        this.logger.warn({ err: error, failures: this.failures }, 'could not start a standby inbox process');
        this.scheduleRefill(Math.min(1000 * 2 ** this.failures, 60_000));
        return;
      }
    }
  }

  private startOne(): Promise<WarmProcess> {
    const { entry, nodeOptions, niceness, logDir } = this.options;
    const build = this.currentBuild();
    const logFile = join(logDir, `${randomUUID()}.log`);
    const log = openSync(logFile, 'a');
    // Detached like every instance: once handed over, it must outlive this worker.
    const child = spawn(process.execPath, [entry, STANDBY_FLAG, STANDBY_TITLE_RESERVE], {
      env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: nodeOptions },
      detached: true,
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    if (!child.pid) return Promise.reject(new Error('could not start a standby inbox process'));
    setPriority(child.pid, niceness);
    const warm = new WarmProcess(child, child.pid, logFile, build);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        warm.kill();
        reject(new Error(`standby process did not load within ${STANDBY_START_TIMEOUT_MS} ms`));
      }, STANDBY_START_TIMEOUT_MS);
      child.once('message', (message: StandbyMessage) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        // The channel must not keep the worker alive; the process itself stays detached.
        child.unref();
        (child.channel as { unref?: () => void } | undefined)?.unref?.();
        // One that dies while waiting (killed by hand, out of memory) is replaced.
        child.once('exit', () => this.scheduleRefill(REPLACE_DELAY_MS));
        if (message?.type === 'standby') resolve(warm);
        else reject(new Error(`unexpected message from a standby process: ${JSON.stringify(message)}`));
      });
      const onExit = (code: number | null, signal: string | null) => {
        clearTimeout(timer);
        rmSync(logFile, { force: true });
        reject(new Error(`standby process exited (${signal ?? `code ${code}`}) before it was ready`));
      };
      child.once('exit', onExit);
    });
  }

  private currentBuild(): number {
    try {
      return statSync(this.options.entry).mtimeMs;
    } catch {
      return -1;
    }
  }
}
