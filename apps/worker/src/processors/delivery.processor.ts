import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import { Deliveries } from '@app/delivery';
import { Attempt } from '@app/delivery';
import { JobCatalogue, QUEUES, jobNamesOf } from '@app/queue';
import { WorkerMetrics } from '../worker-metrics';
import { attemptOf } from './job-outcome';
import { assertHandlersCover } from './handlers';

type DeliveryJob = 'instance.configurator_webhook' | 'instance.activation_email' | 'partner.event';

/**
 * Webhooks, e-mails and partner events. No instance lock: each delivery is idempotent on its own
 * and must not wait behind a slow provisioning step. Retries follow DELIVERY_RETRY_SCHEDULE_MS.
 */
@Processor(QUEUES.delivery)
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeliveryProcessor');
  private readonly handlers: {
    [N in DeliveryJob]: (data: JobCatalogue[N], attempt: Attempt) => Promise<void>;
  };

  constructor(
    deliveries: Deliveries,
    private readonly metrics: WorkerMetrics,
  ) {
    super();
    this.handlers = {
      'instance.configurator_webhook': ({ instanceId }, a) => deliveries.configuratorWebhook(instanceId, a),
      'instance.activation_email': ({ instanceId }, a) => deliveries.activationEmail(instanceId, a),
      'partner.event': ({ instanceId, type, occurrence }, a) =>
        deliveries.partnerEvent(instanceId, type, a, occurrence),
    };
  }

  onApplicationBootstrap(): void {
    assertHandlersCover(QUEUES.delivery, jobNamesOf(QUEUES.delivery), this.handlers);
  }

  async process(job: Job): Promise<void> {
    const handler = this.handlers[job.name as DeliveryJob] as
      ((data: unknown, attempt: Attempt) => Promise<void>) | undefined;
    if (!handler) throw new UnrecoverableError(`no handler for job ${job.name}`);
    const stop = this.metrics.jobStarted(QUEUES.delivery, job.name);
    try {
      await handler(job.data, attemptOf(job));
      stop('done');
    } catch (error) {
      stop('retry');
      this.logger.warn({ job: job.name, jobId: job.id }, (error as Error).message);
      throw error;
    }
  }
}
