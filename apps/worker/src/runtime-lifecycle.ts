import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { LocalRuntime, RUNTIME_DRIVER, RuntimeDriver } from '@app/runtime';
import { WorkerMetrics } from './worker-metrics';

/** Starts and stops what the runtime keeps beside the instances (the local warm pool), and reports it. */
@Injectable()
export class RuntimeLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(RUNTIME_DRIVER) private readonly runtime: RuntimeDriver,
    metrics: WorkerMetrics,
  ) {
    if (runtime instanceof LocalRuntime) {
      new Gauge({
        name: 'worker_local_warm_instances',
        help: 'Pre-started inbox processes ready for a deploy (LOCAL_WARM_INSTANCES)',
        registers: [metrics.registry],
        collect() {
          this.set(runtime.warmCount);
        },
      });
    }
  }

  onApplicationBootstrap(): void {
    this.runtime.start?.();
  }

  onApplicationShutdown(): void {
    this.runtime.close?.();
  }
}
