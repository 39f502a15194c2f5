import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PlatformConfig } from '@app/config';
import { InstanceLifecycle } from '@app/instances';
import { KubernetesRuntime, RUNTIME_DRIVER, RuntimeDriver, reconcileNamespaces } from '@app/runtime';
import { Periodic } from './periodic';

/** Periodic namespace reconcile (K8S_RECONCILE), in the kubernetes runtime only. */
@Injectable()
export class NamespaceReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NamespaceReconcile');
  private readonly periodic = new Periodic(this.logger, 'namespace reconcile');

  constructor(
    private readonly config: PlatformConfig,
    private readonly lifecycle: InstanceLifecycle,
    @Inject(RUNTIME_DRIVER) private readonly runtime: RuntimeDriver,
  ) {}

  onApplicationBootstrap(): void {
    if (!(this.runtime instanceof KubernetesRuntime) || this.config.K8S_RECONCILE === 'off') return;
    const runtime = this.runtime;
    this.periodic.start(this.config.K8S_RECONCILE_INTERVAL_MS, () =>
      reconcileNamespaces(runtime, (ids) => this.lifecycle.statuses(ids), this.config.K8S_RECONCILE),
    );
  }

  onApplicationShutdown(): Promise<void> {
    return this.periodic.stop();
  }
}
