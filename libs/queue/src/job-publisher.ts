import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { JOBS, JobName, JobRequest } from './job-catalogue';

export interface PublishableJob {
  queue: string;
  jobName: string;
  jobId: string;
  payload: Record<string, unknown>;
}

/** Hands jobs to BullMQ. Its own provider so tests can inject a failure at exactly this point. */
@Injectable()
export class JobPublisher implements OnModuleDestroy {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly connection: IORedis) {}

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async publish(jobs: PublishableJob[]): Promise<void> {
    const byQueue = new Map<string, PublishableJob[]>();
    for (const job of jobs) byQueue.set(job.queue, [...(byQueue.get(job.queue) ?? []), job]);
    for (const [queueName, batch] of byQueue) {
      await this.queue(queueName).addBulk(
        batch.map((job) => ({
          name: job.jobName,
          data: job.payload,
          opts: { ...JOBS[job.jobName as JobName]?.options, jobId: job.jobId },
        })),
      );
    }
  }

  /** The queued job for this request (by its fixed id), if Redis still has it. */
  async find<N extends JobName>(request: JobRequest<N>): Promise<Job | undefined> {
    const definition = JOBS[request.name];
    return this.queue(definition.queue).getJob(definition.jobId(request.payload));
  }

  /** Publishes one catalogued job directly (the outbox is the normal path). */
  publishRequest<N extends JobName>(request: JobRequest<N>): Promise<void> {
    const definition = JOBS[request.name];
    return this.publish([
      {
        queue: definition.queue,
        jobName: request.name,
        jobId: definition.jobId(request.payload),
        payload: request.payload,
      },
    ]);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
