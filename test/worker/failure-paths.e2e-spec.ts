/**
 * Every path to `failed` tells the partner (`instance.failed`). The processor's give-up and a
 * permanent step error are covered in deliveries.e2e-spec.ts; here the reconcile sweep's path: a
 * provisioning job that BullMQ failed while our give-up never ran (a worker that died writing it).
 */
import { Worker } from 'bullmq';
import IORedis from 'ioredis';
import { loadConfig } from '@app/config';
import { InstanceLifecycle } from '@app/instances';
import { JobOutcomes } from '@app/provisioning';
import { JOBS, JobPublisher, QUEUES } from '@app/queue';
import { ReconcileSweep } from '../../apps/worker/src/reconcile.sweep';
import { uniqueChannel } from '../support/api-harness';
import { Platform, createInstance, startPlatform, waitForStatus } from '../support/platform-harness';
import { waitFor } from '../support/wait';

describe('every path to failed emits the partner event', () => {
  let platform: Platform;
  let connection: IORedis;
  let publisher: JobPublisher;

  beforeAll(async () => {
    platform = await startPlatform({ redisDb: 7 }); // no worker process: the test plays it
    connection = new IORedis(platform.env.REDIS_URL, { maxRetriesPerRequest: null });
    publisher = new JobPublisher(connection);
    await platform
      .http()
      .put('/v1/partner/settings')
      .set(platform.partner.auth)
      .send({ event_url: `${platform.hooks.url}/events` })
      .expect(200);
  });
  afterAll(async () => {
    await publisher?.onModuleDestroy();
    connection?.disconnect();
    await platform?.close();
  });

  it('the reconcile sweep marks a job BullMQ gave up on failed, and queues instance.failed', async () => {
    const { id } = await createInstance(platform, { channel_id: uniqueChannel() });
    // The job fails for good in BullMQ, and nothing of ours records it.
    const workerConnection = connection.duplicate();
    const crashing = new Worker(
      QUEUES.provisioning,
      (job) => {
        job.discard();
        return Promise.reject(new Error('simulated: the worker died while recording its give-up'));
      },
      { connection: workerConnection },
    );
    const jobId = JOBS['instance.provision'].jobId({ instanceId: id });
    await waitFor(
      async () => (await publisher.queue(QUEUES.provisioning).getJob(jobId))?.failedReason !== undefined,
    );
    await crashing.close();
    workerConnection.disconnect(); // BullMQ closes only the connections it created
    expect((await waitForStatus(platform, id, 'accepted')).status).toBe('accepted');

    // Untouched for longer than the sweep's interval.
    await platform.dataSource.query(
      `UPDATE instances SET updated_at = now() - interval '1 hour' WHERE id = $1`,
      [id],
    );
    const config = loadConfig({ ...process.env, ...platform.env });
    const lifecycle = new InstanceLifecycle(platform.dataSource);
    await new ReconcileSweep(lifecycle, publisher, new JobOutcomes(lifecycle), config).sweep();

    const failed = await waitForStatus(platform, id, 'failed');
    expect(failed.status_detail).toBe('simulated: the worker died while recording its give-up');
    // The partner event job, relayed from the outbox to the delivery queue by the API's relay.
    const eventJobId = JOBS['partner.event'].jobId({ instanceId: id, type: 'instance.failed' });
    await waitFor(async () => Boolean(await publisher.queue(QUEUES.delivery).getJob(eventJobId)), 10_000);
    const eventJob = await publisher.queue(QUEUES.delivery).getJob(eventJobId);
    expect(eventJob?.data).toEqual({ instanceId: id, type: 'instance.failed' });
  });
});
