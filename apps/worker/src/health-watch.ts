import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PlatformConfig } from '@app/config';
import { InstanceLifecycle } from '@app/instances';
import { LocalRuntime, RUNTIME_DRIVER, RuntimeDriver } from '@app/runtime';
import { LocalRevival } from './local-revival';
import { Periodic } from './periodic';

/** Delays before starting a dead local process again, like scripts/supervise.ts (then 30 s each). */
export const RESTART_BACKOFF_MS = [0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000];
/** How long one health check may take. */
const CHECK_TIMEOUT_MS = 3_000;
/** How many instances are checked at once. */
const CONCURRENCY = 8;

interface Watched {
  /** Checks in a row without a 200. */
  failures: number;
  /** Restarts since it was last healthy (local runtime), and when the next one may happen. */
  restarts: number;
  restartAfter: number;
}

/**
 * Every ready instance, every HEALTH_WATCH_INTERVAL_MS (docs/instance-lifecycle.md): its health
 * check is asked; HEALTH_WATCH_FAILURES checks in a row without a 200, or a local process found
 * gone, make it `unhealthy` (an event and the partner's `instance.unhealthy`), the next 200 makes it
 * `recovered`. In local mode a process that is gone is started again with back-off (Kubernetes
 * restarts its pods itself). Counters live in this worker's memory: a restarted worker starts
 * counting again, which only delays a report.
 */
@Injectable()
export class HealthWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('HealthWatch');
  private readonly watched = new Map<string, Watched>();
  private readonly periodic = new Periodic(this.logger, 'health watch round');

  constructor(
    @Inject(RUNTIME_DRIVER) private readonly runtime: RuntimeDriver,
    private readonly lifecycle: InstanceLifecycle,
    private readonly revival: LocalRevival,
    private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.HEALTH_WATCH_INTERVAL_MS) return;
    this.periodic.start(this.config.HEALTH_WATCH_INTERVAL_MS, () => this.round());
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }

  /** One look at every ready instance. */
  async round(): Promise<void> {
    const instances = await this.lifecycle.readyInstances();
    const ready = new Set(instances.map((i) => i.id));
    for (const id of this.watched.keys()) if (!ready.has(id)) this.watched.delete(id);
    for (let at = 0; at < instances.length; at += CONCURRENCY)
      await Promise.all(instances.slice(at, at + CONCURRENCY).map((i) => this.look(i.id, i.unhealthy)));
  }

  private async look(instanceId: string, knownUnhealthy: boolean): Promise<void> {
    const state = this.watched.get(instanceId) ?? { failures: 0, restarts: 0, restartAfter: 0 };
    this.watched.set(instanceId, state);
    const status = await this.runtime.status(instanceId);
    if (this.runtime instanceof LocalRuntime && status.state !== 'running') {
      // A local process that is gone answers nothing: no need to count checks.
      if (!knownUnhealthy)
        await this.lifecycle.recordHealth(
          instanceId,
          false,
          `The instance's process is gone (${status.detail ?? status.state})`,
        );
      return this.restart(instanceId, state);
    }
    const problem = status.internalUrl
      ? await this.check(status.internalUrl)
      : `runtime: ${status.detail ?? status.state}`;
    if (!problem) {
      state.failures = 0;
      state.restarts = 0;
      if (knownUnhealthy)
        await this.lifecycle.recordHealth(instanceId, true, 'The health check answers 200 again');
      return;
    }
    state.failures++;
    if (!knownUnhealthy && state.failures >= this.config.HEALTH_WATCH_FAILURES)
      await this.lifecycle.recordHealth(
        instanceId,
        false,
        `No healthy answer to ${state.failures} health checks in a row; last: ${problem}`,
      );
  }

  /** The health check's problem, or null when it answers 200. */
  private async check(internalUrl: string): Promise<string | null> {
    try {
      const response = await fetch(`${internalUrl}/api/v1/status/health`, {
        signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
        redirect: 'manual',
      });
      await response.arrayBuffer();
      return response.status === 200 ? null : `HTTP ${response.status}`;
    } catch (error) {
      return (error as Error).message;
    }
  }

  private async restart(instanceId: string, state: Watched): Promise<void> {
    if (Date.now() < state.restartAfter) return;
    const delay = RESTART_BACKOFF_MS[Math.min(state.restarts + 1, RESTART_BACKOFF_MS.length - 1)];
    state.restarts++;
    state.restartAfter = Date.now() + delay;
    const started = await this.revival.restart(instanceId);
    if (started)
      this.logger.warn(
        { instanceId, restarts: state.restarts },
        `instance process was gone: started again (next restart no sooner than ${delay} ms)`,
      );
  }
}
