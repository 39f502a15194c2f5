import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { createServer, Server } from 'node:http';
import { PlatformConfig } from '@app/config';
import { WorkerMetrics } from './worker-metrics';

/** Optional /healthz and /metrics on WORKER_HEALTH_PORT (the worker has no public HTTP API). */
@Injectable()
export class WorkerHealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private server?: Server;
  private readonly logger = new Logger('WorkerHealth');

  constructor(
    private readonly config: PlatformConfig,
    private readonly metrics: WorkerMetrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.WORKER_HEALTH_PORT) return;
    this.server = createServer((req, res) => {
      if (req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      } else if (req.url === '/metrics') {
        void this.metrics.registry
          .metrics()
          .then((body) =>
            res.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(body),
          );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(this.config.WORKER_HEALTH_PORT, resolve));
    this.logger.log(`health and metrics on :${this.config.WORKER_HEALTH_PORT}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
