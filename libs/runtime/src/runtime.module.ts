import { Module } from '@nestjs/common';
import { KubeConfig } from '@kubernetes/client-node';
import { PlatformConfig } from '@app/config';
import { KubernetesRuntime } from './kubernetes/kubernetes-runtime';
import { kubernetesSettings } from './kubernetes/kubernetes-settings';
import { LocalRuntime } from './local-runtime';
import { RuntimeDriver } from './runtime-driver';

/** Injection token of the RuntimeDriver named by RUNTIME_DRIVER. */
export const RUNTIME_DRIVER = Symbol('RUNTIME_DRIVER');

/** The cluster from KUBECONFIG, else the pod's service account (in-cluster). */
export function kubernetesRuntime(config: PlatformConfig): KubernetesRuntime {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return new KubernetesRuntime(kubeConfig, kubernetesSettings(config));
}

/** The runtime named by RUNTIME_DRIVER. */
export function runtimeFor(config: PlatformConfig): RuntimeDriver {
  if (config.RUNTIME_DRIVER === 'local')
    return new LocalRuntime(config.LOCAL_STATE_DIR, { warmInstances: config.LOCAL_WARM_INSTANCES });
  return kubernetesRuntime(config);
}

/** Provides RUNTIME_DRIVER, built from configuration. */
@Module({
  providers: [{ provide: RUNTIME_DRIVER, inject: [PlatformConfig], useFactory: runtimeFor }],
  exports: [RUNTIME_DRIVER],
})
export class RuntimeModule {}
