import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { PlatformConfig } from '@app/config';
import { InstanceLifecycle } from '@app/instances';
import { ProvisionInstance, withInstanceLock } from '@app/provisioning';
import { LocalRuntime, RUNTIME_DRIVER, RuntimeDriver } from '@app/runtime';

/**
 * Local runtime only: at start-up, `ready` instances whose process is gone (`npm run stop:local`,
 * a reboot) are started again with their own environment, one at a time under the instance lock.
 * Kubernetes restarts its pods itself.
 */
@Injectable()
export class LocalRevival implements OnApplicationBootstrap {
  private readonly logger = new Logger('LocalRevival');

  constructor(
    @Inject(RUNTIME_DRIVER) private readonly runtime: RuntimeDriver,
    private readonly lifecycle: InstanceLifecycle,
    private readonly provision: ProvisionInstance,
    private readonly config: PlatformConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!(this.runtime instanceof LocalRuntime)) return;
    // In the background: the worker takes jobs meanwhile.
    void this.revive(this.runtime).catch((error: Error) =>
      this.logger.warn({ err: error }, 'could not start stopped instances; next start'),
    );
  }

  /** Starts a ready instance again with its own environment, under its lock; false when it is not ready. */
  restart(instanceId: string): Promise<boolean> {
    return withInstanceLock(this.config.DATABASE_URL, instanceId, () => this.provision.redeploy(instanceId));
  }

  /** Returns how many instances it started. */
  async revive(runtime: LocalRuntime): Promise<number> {
    const records = runtime.list();
    const statuses = await this.lifecycle.statuses(records.map((r) => r.instanceId));
    let started = 0;
    for (const { instanceId } of records) {
      if (statuses.get(instanceId) !== 'ready') continue;
      if ((await runtime.status(instanceId)).state !== 'stopped') continue;
      if (await this.restart(instanceId)) started++;
    }
    if (started) this.logger.log(`started ${started} stopped instance(s) again`);
    return started;
  }
}
