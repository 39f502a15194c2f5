import { Injectable } from '@nestjs/common';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { INSTANCE_STATUSES } from '@app/domain';

/** Prometheus metrics of this process: its own registry, so several apps can share a test process. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'partner_platform_instances',
      help: 'Instances by status (all partners)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const rows = await dataSource.query<{ status: string; count: string }[]>(
          'SELECT status, count(*) AS count FROM instances GROUP BY status',
        );
        const counts = new Map(rows.map((r) => [r.status, Number(r.count)]));
        for (const status of INSTANCE_STATUSES) this.set({ status }, counts.get(status) ?? 0);
      },
    });
  }
}
