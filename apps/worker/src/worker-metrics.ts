import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of the worker process (served on WORKER_HEALTH_PORT). */
@Injectable()
export class WorkerMetrics {
  readonly registry = new Registry();

  private readonly jobs = new Counter({
    name: 'worker_jobs_total',
    help: 'Jobs run, by queue, job name and outcome (done, retry, failed, superseded, put_back)',
    labelNames: ['queue', 'job', 'outcome'],
    registers: [this.registry],
  });

  private readonly duration = new Histogram({
    name: 'worker_job_duration_seconds',
    help: 'Job run time by queue and job name',
    labelNames: ['queue', 'job'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Call the returned function once with the job's outcome. */
  jobStarted(queue: string, job: string): (outcome: string) => void {
    const end = this.duration.startTimer({ queue, job });
    return (outcome) => {
      end();
      this.jobs.inc({ queue, job, outcome });
    };
  }
}
