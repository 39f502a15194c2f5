/**
 * The worker with RUNTIME_DRIVER=kubernetes, end to end against the fake API server: provision
 * (health satisfied by the fake), token webhook, delete (namespace gone), and the namespace
 * reconcile that finds orphans.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '@app/config';
import { resolveSecretsKey } from '@app/common';
import { kubernetesSettings, reconcileNamespaces } from '@app/runtime';
import { KubernetesRuntime } from '@app/runtime';
import { unique, uniqueChannel } from '../support/api-harness';
import { FakeKube, startFakeKube } from '../support/fake-kube-api/fake-kube';
import {
  Platform,
  configuratorTo,
  createInstance,
  startPlatform,
  waitForStatus,
} from '../support/platform-harness';
import { waitFor } from '../support/wait';

describe('worker on the Kubernetes runtime (fake API server)', () => {
  let fake: FakeKube;
  let platform: Platform;

  beforeAll(async () => {
    fake = await startFakeKube();
    platform = await startPlatform({
      redisDb: 10,
      workerEnv: {
        RUNTIME_DRIVER: 'kubernetes',
        KUBECONFIG: fake.kubeconfigPath,
        SECRETS_ENCRYPTION_KEY: resolveSecretsKey(loadConfig()).toString('hex'),
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        K8S_HEALTH_URL: `${fake.url}/_fake/health/{namespace}`,
        K8S_RECONCILE: 'off',
      },
    });
    platform.startWorker();
  });
  afterAll(async () => {
    await platform?.close();
    await fake?.stop();
  });

  it('provisions into a namespace, delivers the token, and deletes the namespace on DELETE', async () => {
    const path = `/k8s-${unique()}`;
    const { id } = await createInstance(platform, {
      channel_id: uniqueChannel(),
      configurator: configuratorTo(platform, path),
    });
    const ready = await waitForStatus(platform, id, 'ready');
    expect(ready.events.find((e) => e.type === 'step.deploy')?.message).toBe(
      'Deployed to the kubernetes runtime',
    );
    await waitFor(() => Promise.resolve(platform.hooks.received.some((h) => h.url === path)));
    const inNamespace = (await fake.state()).objects.filter(
      (o) => o.metadata.namespace === `inbox-${id}` || o.metadata.name === `inbox-${id}`,
    );
    expect(inNamespace).toHaveLength(8);
    const secret = inNamespace.find((o) => o.kind === 'Secret') as unknown as {
      stringData: Record<string, string>;
    };
    expect(secret.stringData).toMatchObject({ INSTANCE_ID: id, PORT: '8000' });
    expect(secret.stringData.CONFIGURATOR_TOKEN_SHA256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(secret.stringData)).not.toMatch(/ADMIN_ACTIVATION_CODE(?!_SHA256)/);
    expect((await fake.state()).violations).toEqual([]);

    await platform.http().delete(`/v1/instances/${id}`).set(platform.partner.auth).expect(202);
    await waitForStatus(platform, id, 'deleted');
    expect((await fake.state()).objects.some((o) => o.metadata.name === `inbox-${id}`)).toBe(false);
  });

  it('reconcile reports, then removes, namespaces whose instance is unknown or deleted', async () => {
    const config = loadConfig({ ...process.env, ...platform.env });
    const runtime = new KubernetesRuntime(fake.kubeConfig, {
      ...kubernetesSettings(config),
      pollIntervalMs: 20,
    });
    const stray = randomBytes(16).toString('hex');
    await runtime.deploy({
      instanceId: stray,
      subdomain: 'stray',
      partnerId: 'nobody',
      env: { INSTANCE_ID: stray },
    });
    const statusOf = async (ids: string[]) =>
      new Map(
        (
          await platform.dataSource.query<{ id: string; status: string }[]>(
            'SELECT id, status FROM instances WHERE id = ANY($1)',
            [ids],
          )
        ).map((r) => [r.id, r.status]),
      );
    const reported = await reconcileNamespaces(runtime, statusOf, 'report');
    expect(reported.orphans).toContainEqual({
      namespace: `inbox-${stray}`,
      instanceId: stray,
      why: 'no instance has this id',
    });
    expect(reported.removed).toEqual([]);
    const removed = await reconcileNamespaces(runtime, statusOf, 'delete');
    expect(removed.removed).toContain(`inbox-${stray}`);
    expect((await runtime.managedNamespaces()).some((m) => m.instanceId === stray)).toBe(false);
  });
});
