/**
 * A dead or hung instance comes back and the control plane knows (issue 21): the worker's health
 * watch reports a killed (kill -9) or frozen (SIGSTOP) instance as unhealthy, with the partner's
 * signed instance.unhealthy event, starts a dead local process again, and reports the recovery.
 */
import { ReceivedRequest, startReceiver } from '../support/http-receiver';
import {
  Platform,
  createInstance,
  listenToPartnerEvents,
  startPlatform,
  verifyPartnerSignature,
  waitForStatus,
} from '../support/platform-harness';
import { uniqueChannel } from '../support/api-harness';
import { waitFor } from '../support/wait';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('worker: the health watch', () => {
  let platform: Platform;
  let events: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    events = await startReceiver((_req, res) => {
      res.writeHead(200).end();
    });
    platform = await startPlatform({
      redisDb: 10,
      workerEnv: { HEALTH_WATCH_INTERVAL_MS: '300', HEALTH_WATCH_FAILURES: '2' },
    });
    platform.startWorker();
    await listenToPartnerEvents(platform, `${events.url}/events`);
  });
  afterAll(async () => {
    await platform?.close();
    await events?.close();
  });

  const detail = async (id: string) =>
    (await platform.http().get(`/v1/instances/${id}`).set(platform.partner.auth).expect(200)).body as Json;
  /** The partner events about this instance, verified, in the order they came. */
  const eventsOf = (id: string) =>
    events.received
      .filter((r: ReceivedRequest) => r.body.includes(id))
      .map((r) => ({ id: r.headers['webhook-id'], body: verifyPartnerSignature(platform, r) }));
  const pidOf = (id: string) => platform.runtime.list().find((r) => r.instanceId === id)!.pid;

  it('reports a killed instance unhealthy, starts it again and reports its recovery', async () => {
    const { id, subdomain } = await createInstance(platform, { channel_id: uniqueChannel() });
    await waitForStatus(platform, id, 'ready');
    expect(await detail(id)).toMatchObject({ status: 'ready', health: 'healthy', unhealthy_since: null });
    const killed = pidOf(id);
    process.kill(killed, 'SIGKILL');

    await waitFor(
      () => Promise.resolve(eventsOf(id).some((e) => e.body.type === 'instance.recovered')),
      30_000,
    );
    const health = eventsOf(id).filter((e) => e.body.type !== 'instance.ready');
    expect(health.map((e) => [e.body.type, e.id])).toEqual([
      ['instance.unhealthy', `msg_${id}_instance_unhealthy_1`],
      ['instance.recovered', `msg_${id}_instance_recovered_2`],
    ]);
    expect(health[0].body.data).toMatchObject({ instance_id: id, status: 'ready', health: 'unhealthy' });
    expect(health[1].body.data).toMatchObject({
      instance_id: id,
      health: 'healthy',
      current_health: 'healthy',
    });

    expect(pidOf(id)).not.toBe(killed);
    await platform.instance(subdomain).get('/api/v1/status/health').expect(200);
    const after = await detail(id);
    expect(after).toMatchObject({ status: 'ready', health: 'healthy', unhealthy_since: null });
    const timeline = (after.events as Json[]).map((e) => e.type as string);
    const from = timeline.indexOf('health.unhealthy');
    expect(timeline.slice(from)).toEqual(
      expect.arrayContaining(['health.unhealthy', 'runtime.redeployed', 'health.recovered']),
    );
    expect(timeline.indexOf('health.recovered')).toBeGreaterThan(timeline.indexOf('runtime.redeployed'));
    expect((after.events as Json[])[from].message).toMatch(/process is gone/);
  }, 60_000);

  it('reports a frozen instance (SIGSTOP: alive, not answering) after the failures in a row, and its recovery', async () => {
    const { id } = await createInstance(platform, { channel_id: uniqueChannel() });
    await waitForStatus(platform, id, 'ready');
    const pid = pidOf(id);
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor(async () => (await detail(id)).health === 'unhealthy', 30_000);
      const frozen = await detail(id);
      expect(frozen.unhealthy_since).toEqual(expect.any(String));
      const reported = (frozen.events as Json[]).find((e) => e.type === 'health.unhealthy')!;
      expect(reported.message).toMatch(/No healthy answer to 2 health checks in a row/);
      // Alive, so never started again: the process is the same one.
      expect(pidOf(id)).toBe(pid);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(async () => (await detail(id)).health === 'healthy', 30_000);
    await waitFor(
      () => Promise.resolve(eventsOf(id).some((e) => e.body.type === 'instance.recovered')),
      10_000,
    );
    expect(eventsOf(id).map((e) => e.body.type)).toEqual([
      'instance.ready',
      'instance.unhealthy',
      'instance.recovered',
    ]);
    expect(pidOf(id)).toBe(pid);
  }, 60_000);
});
