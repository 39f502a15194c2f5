import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { KubeConfig } from '@kubernetes/client-node';
import { DataSource } from 'typeorm';
import { PlatformConfig } from '@app/config';
import { RuntimeDriver, kubernetesSettings, reconcileNamespaces } from '@app/provisioning';
import { KubernetesRuntime } from '@app/provisioning/runtime/kubernetes/kubernetes-runtime';

/** The cluster from KUBECONFIG, else the pod's service account (in-cluster). */
export function kubernetesRuntime(config: PlatformConfig): KubernetesRuntime {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return new KubernetesRuntime(kubeConfig, kubernetesSettings(config));
}

/** Periodic namespace reconcile (K8S_RECONCILE), in the kubernetes runtime only. */
@Injectable()
export class NamespaceReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('NamespaceReconcile');
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: PlatformConfig,
    private readonly dataSource: DataSource,
    private readonly runtime: RuntimeDriver,
  ) {}

  onApplicationBootstrap(): void {
    if (!(this.runtime instanceof KubernetesRuntime) || this.config.K8S_RECONCILE === 'off') return;
    const runtime = this.runtime;
    this.timer = setInterval(() => {
      reconcileNamespaces(
        runtime,
        async (ids) =>
          new Map(
            (
              await this.dataSource.query<{ id: string; status: string }[]>(
                'SELECT id, status FROM instances WHERE id = ANY($1)',
                [ids],
              )
            ).map((r) => [r.id, r.status]),
          ),
        this.config.K8S_RECONCILE,
      ).catch((error: Error) => this.logger.warn({ err: error }, 'namespace reconcile failed; next time'));
    }, this.config.K8S_RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
