import request from 'supertest';
import { waitFor } from '../support/wait';
import { DataSource } from 'typeorm';
import { JobPublisher, OutboxRelay } from '@app/queue';
import { OutboxMessage } from '@app/domain';
import { TcpProxy } from '../support/tcp-proxy';
import {
  TestPartner,
  createInstances,
  createTestPartner,
  startApi,
  uniqueChannel,
} from '../support/api-harness';

/** "No instance without its job": the outbox survives a failed enqueue, a dead API and a Redis outage. */
describe('provisioning job enqueue guarantee', () => {
  let partner: TestPartner;

  const outboxRows = (ds: DataSource, ids: string[]) =>
    ds.getRepository(OutboxMessage).find({ where: ids.map((id) => ({ jobId: `provision-${id}` })) });
  const jobsIn = async (publisher: JobPublisher, ids: string[]) => {
    const jobs = await Promise.all(
      ids.map((id) => publisher.queue('provisioning').getJob(`provision-${id}`)),
    );
    return jobs.filter((j) => j !== undefined);
  };

  beforeAll(async () => {
    const api = await startApi();
    partner = await createTestPartner(api.app.get(DataSource));
    await api.close();
  });

  it('keeps the job when the enqueue fails right after the commit, and a restarted API hands it over exactly once', async () => {
    const first = await startApi();
    const publish = jest
      .spyOn(first.app.get(JobPublisher), 'publish')
      .mockRejectedValue(new Error('injected: Redis refused'));
    const ids = await createInstances(first.app, partner, 3);
    await waitFor(async () =>
      (await outboxRows(first.app.get(DataSource), ids)).every((r) => r.attempts > 0),
    );
    expect(publish).toHaveBeenCalled();
    const pending = await outboxRows(first.app.get(DataSource), ids);
    expect(pending).toHaveLength(3);
    expect(pending[0].lastError).toContain('injected');
    expect(await jobsIn(first.app.get(JobPublisher), ids)).toHaveLength(0);
    await first.close(); // the API dies with the jobs not yet in Redis

    const second = await startApi();
    try {
      await waitFor(async () => (await outboxRows(second.app.get(DataSource), ids)).length === 0);
      const jobs = await jobsIn(second.app.get(JobPublisher), ids);
      expect(jobs.map((j) => j.id).sort()).toEqual(ids.map((id) => `provision-${id}`).sort());
      expect(jobs.every((j) => j.name === 'instance.provision')).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('answers 201 while Redis is down and enqueues once Redis is back', async () => {
    const redisProxy = new TcpProxy(6379);
    const port = await redisProxy.start();
    const api = await startApi({ REDIS_URL: `redis://127.0.0.1:${port}/15` });
    try {
      await redisProxy.stop();
      const started = Date.now();
      const res = await request(api.app.getHttpServer())
        .post('/v1/instances')
        .set(partner.auth)
        .send({ channel_id: uniqueChannel() });
      expect(res.status).toBe(201);
      expect(Date.now() - started).toBeLessThan(2000);
      const ready = await request(api.app.getHttpServer()).get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.checks.redis).toMatch(/^error/);
      await waitFor(async () => (await outboxRows(api.app.get(DataSource), [res.body.id]))[0]?.attempts > 0);
      await redisProxy.start(port);
      await waitFor(
        async () => (await outboxRows(api.app.get(DataSource), [res.body.id])).length === 0,
        15_000,
      );
      expect(await jobsIn(api.app.get(JobPublisher), [res.body.id])).toHaveLength(1);
    } finally {
      await api.close();
      await redisProxy.stop();
    }
  });

  it('hands each job over once when two relays race and when a publish is repeated', async () => {
    const a = await startApi();
    const b = await startApi();
    try {
      for (const app of [a, b])
        jest.spyOn(app.app.get(JobPublisher), 'publish').mockRejectedValue(new Error('injected'));
      const ids = await createInstances(a.app, partner, 20);
      jest.restoreAllMocks();
      await Promise.all([
        a.app.get(OutboxRelay).flush(),
        b.app.get(OutboxRelay).flush(),
        a.app.get(OutboxRelay).flush(),
      ]);
      expect(await outboxRows(a.app.get(DataSource), ids)).toHaveLength(0);
      const publisher = a.app.get(JobPublisher);
      // A crash between publish and the outbox delete publishes again: the fixed job id collapses it.
      await publisher.publish([
        {
          queue: 'provisioning',
          jobName: 'instance.provision',
          jobId: `provision-${ids[0]}`,
          payload: { instanceId: ids[0] },
        },
      ]);
      const jobs = await jobsIn(publisher, ids);
      expect(new Set(jobs.map((j) => j.id)).size).toBe(20);
      const waiting = await publisher
        .queue('provisioning')
        .getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
      expect(waiting.filter((j) => j.data.instanceId === ids[0])).toHaveLength(1);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
