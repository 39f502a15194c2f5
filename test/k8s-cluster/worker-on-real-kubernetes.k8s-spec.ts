/**
 * Opt-in (`npm run test:k8s` with KUBECONFIG, e.g. from `scripts/k8s-local.sh up`): the worker
 * provisions tenants on a real API server with RUNTIME_DRIVER=kubernetes, authenticated as the Helm
 * chart's ServiceAccount (a token the API server issues, not the admin kubeconfig), so the real
 * RBAC authorizer judges the chart's ClusterRole and real admission (PodSecurity `restricted`)
 * judges every object. kwok's pods run nothing, so the health step reaches a real inbox on this
 * machine started from the namespace's bootstrap Secret (test/support/host-pods.ts).
 */
import { randomBytes } from 'node:crypto';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import request from 'supertest';
import { loadConfig } from '@app/config';
import { resolveSecretsKey } from '@app/common';
import { KubernetesRuntime, kubernetesSettings, reconcileNamespaces } from '@app/runtime';
import { unique, uniqueChannel } from '../support/api-harness';
import { HostPods, startHostPods } from '../support/host-pods';
import { helm, installChart, serviceAccountKubeconfig } from '../support/k8s-cluster';
import {
  Platform,
  configuratorTo,
  createInstance,
  startPlatform,
  waitForStatus,
} from '../support/platform-harness';
import { waitFor } from '../support/wait';

const describeCluster = process.env.KUBECONFIG ? describe : describe.skip;
const CHART_NAMESPACE = `pp-worker-${Date.now().toString(36)}`;

describeCluster('the worker on a real Kubernetes control plane, as the chart ServiceAccount', () => {
  const admin = new KubeConfig();
  admin.loadFromDefault();
  const core = admin.makeApiClient(CoreV1Api);
  const apps = admin.makeApiClient(AppsV1Api);
  let asWorker: KubeConfig;
  let workerKubeconfig: string;
  let pods: HostPods;
  let platform: Platform;

  beforeAll(async () => {
    await installChart('pw', CHART_NAMESPACE);
    workerKubeconfig = await serviceAccountKubeconfig(admin, 'pw', CHART_NAMESPACE);
    asWorker = new KubeConfig();
    asWorker.loadFromFile(workerKubeconfig);
    pods = await startHostPods(admin);
    platform = await startPlatform({
      redisDb: 5,
      workerEnv: {
        RUNTIME_DRIVER: 'kubernetes',
        KUBECONFIG: workerKubeconfig,
        SECRETS_ENCRYPTION_KEY: resolveSecretsKey(loadConfig()).toString('hex'),
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        K8S_HEALTH_URL: `${pods.url}/{namespace}`,
        K8S_RECONCILE: 'off',
        K8S_ROLLOUT_TIMEOUT_MS: '60000',
      },
    });
    platform.startWorker();
  }, 300_000);
  afterAll(async () => {
    await platform?.close();
    await pods?.stop();
    await helm(CHART_NAMESPACE, 'uninstall', 'pw', '--wait').catch(() => undefined);
  }, 300_000);

  it('configurator flow: deployed as the ServiceAccount under PodSecurity restricted, healthy, the token works; DELETE removes the namespace', async () => {
    const path = `/k8s-${unique()}`;
    const { id } = await createInstance(platform, {
      channel_id: uniqueChannel(),
      configurator: configuratorTo(platform, path),
    });
    const ready = await waitForStatus(platform, id, 'ready', 120_000);
    expect(ready.events.find((e) => e.type === 'step.deploy')?.message).toBe(
      'Deployed to the kubernetes runtime',
    );
    const namespace = await core.readNamespace({ name: `inbox-${id}` });
    expect(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const deployment = await apps.readNamespacedDeployment({ name: 'inbox', namespace: `inbox-${id}` });
    expect(deployment.status?.availableReplicas).toBe(1);
    await waitFor(() => Promise.resolve(platform.hooks.received.some((h) => h.url === path)), 30_000);
    const { token } = JSON.parse(platform.hooks.received.find((h) => h.url === path)!.body) as {
      token: string;
    };
    await request(`${pods.url}/inbox-${id}`)
      .get('/api/v1/users/')
      .set('Authorization', `Token ${token}`)
      .expect(200);

    await platform.http().delete(`/v1/instances/${id}`).set(platform.partner.auth).expect(202);
    await waitForStatus(platform, id, 'deleted', 120_000);
    await expect(core.readNamespace({ name: `inbox-${id}` })).rejects.toMatchObject({ code: 404 });
  }, 240_000);

  /** Sets the password through the instance's activation page, then logs in with it through the API. */
  const activate = async (id: string, link: string, username: string) => {
    const base = `${pods.url}/inbox-${id}`;
    const { pathname, search } = new URL(link);
    const form = await request(base).get(`${pathname}${search}`).expect(200);
    const csrf = /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(form.text)![1];
    const saved = await request(base)
      .post(`${pathname}${search}`)
      .set('Cookie', `csrftoken=${csrf}`)
      .type('form')
      .send({ csrfmiddlewaretoken: csrf, password1: 'Velvet-Orchard-58', password2: 'Velvet-Orchard-58' });
    expect(saved.status).toBeLessThan(400);
    await request(base)
      .post('/api/v1/auth/token/')
      .send({ username, password: 'Velvet-Orchard-58' })
      .expect(200);
  };

  it('admin e-mail and activation-link flows: ready on the real runtime, activated through the instance, logged in', async () => {
    const email = `${unique('owner')}@example.com`;
    const mailed = await createInstance(platform, { channel_id: uniqueChannel(), admin_email: email });
    const linked = await createInstance(platform, { channel_id: uniqueChannel(), generate_activation: true });
    expect(linked.activation_url).toMatch(/\/confirm_account\?c=/);
    await waitForStatus(platform, mailed.id, 'ready', 120_000);
    await waitForStatus(platform, linked.id, 'ready', 120_000);
    await waitFor(() => Promise.resolve(platform.catcher.messages.some((m) => m.to.includes(email))), 30_000);
    const mail = platform.catcher.messages.find((m) => m.to.includes(email))!;
    await activate(mailed.id, /(http:\/\/\S+\/confirm_account\?c=[\w-]+)/.exec(mail.text ?? '')![1], email);
    await activate(linked.id, linked.activation_url!, 'admin');
    for (const { id } of [mailed, linked])
      await platform.http().delete(`/v1/instances/${id}`).set(platform.partner.auth).expect(202);
  }, 240_000);

  it('as the ServiceAccount: a quota that refuses the pod and a rollout that never becomes available fail with their reasons', async () => {
    const runtime = new KubernetesRuntime(asWorker, {
      ...kubernetesSettings(loadConfig({ ...process.env, ...platform.env, K8S_ROLLOUT_TIMEOUT_MS: '20000' })),
      pollIntervalMs: 250,
    });
    const spec = (id: string) => ({
      instanceId: id,
      subdomain: `q${id.slice(0, 8)}`,
      partnerId: 'k8s-test',
      env: { INSTANCE_ID: id },
    });
    const quotaId = randomBytes(16).toString('hex');
    await core.createNamespace({ body: { metadata: { name: `inbox-${quotaId}` } } });
    await core.createNamespacedResourceQuota({
      namespace: `inbox-${quotaId}`,
      body: { metadata: { name: 'no-pods' }, spec: { hard: { pods: '0' } } },
    });
    await expect(runtime.deploy(spec(quotaId))).rejects.toThrow(/FailedCreate \(quota\): .*exceeded quota/);
    await runtime.teardown(quotaId);

    // No node takes pods: the rollout waits, then gives up saying on what.
    const node = 'kwok-node-0';
    await core.patchNode({ name: node, body: [{ op: 'replace', path: '/spec/unschedulable', value: true }] });
    try {
      const stuckId = randomBytes(16).toString('hex');
      await expect(runtime.deploy(spec(stuckId))).rejects.toThrow(
        /not done within 20 s: 0 of 1 updated replicas available/,
      );
      await runtime.teardown(stuckId);
    } finally {
      await core.patchNode({
        name: node,
        body: [{ op: 'replace', path: '/spec/unschedulable', value: false }],
      });
    }
  }, 180_000);

  it('as the ServiceAccount: re-applies without a new generation, and reconcile reports then removes namespaces of unknown instances', async () => {
    const config = loadConfig({ ...process.env, ...platform.env });
    const runtime = new KubernetesRuntime(asWorker, { ...kubernetesSettings(config), pollIntervalMs: 250 });
    const stray = randomBytes(16).toString('hex');
    const strayEnv = { INSTANCE_ID: stray };
    await runtime.deploy({ instanceId: stray, subdomain: 'stray', partnerId: 'nobody', env: strayEnv });
    const generation = async () =>
      (await apps.readNamespacedDeployment({ name: 'inbox', namespace: `inbox-${stray}` })).metadata
        ?.generation;
    const first = await generation();
    await runtime.deploy({ instanceId: stray, subdomain: 'stray', partnerId: 'nobody', env: strayEnv });
    expect(await generation()).toBe(first); // server-side apply of the same objects changes nothing
    await runtime.deploy({
      instanceId: stray,
      subdomain: 'stray',
      partnerId: 'nobody',
      env: { ...strayEnv, LOG_LEVEL: 'debug' },
    });
    expect(await generation()).toBe(first! + 1); // a changed environment rolls the pod
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
    await waitFor(
      async () => !(await runtime.managedNamespaces()).some((m) => m.instanceId === stray),
      60_000,
    );
    await expect(runtime.teardown(stray)).resolves.toBeUndefined(); // again is fine
  }, 120_000);

  it('the ServiceAccount may not do what the chart does not grant', async () => {
    const asWorkerCore = asWorker.makeApiClient(CoreV1Api);
    await expect(asWorkerCore.listNamespacedSecret({ namespace: 'kube-system' })).rejects.toMatchObject({
      code: 403,
    });
    await expect(asWorkerCore.listNode()).rejects.toMatchObject({ code: 403 });
  });
});
