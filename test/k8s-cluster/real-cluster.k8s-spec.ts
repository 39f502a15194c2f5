/**
 * Opt-in (`npm run test:k8s`): the Kubernetes runtime against a real cluster, when KUBECONFIG is
 * set (see README, "Kubernetes"). Server-side applies every object for real (the API server's own
 * validation and the restricted Pod Security admission judge them), and, with
 * TEST_K8S_DATABASE_URL (a PostgreSQL the cluster can reach) and the inbox image loaded
 * (INBOX_IMAGE / INBOX_IMAGE_TAG), waits for a real rollout; then tears down.
 */
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesRuntime } from '@app/runtime';

const enabled = Boolean(process.env.KUBECONFIG);
const describeCluster = enabled ? describe : describe.skip;

describeCluster('Kubernetes runtime on a real cluster', () => {
  const databaseUrl = process.env.TEST_K8S_DATABASE_URL;
  let runtime: KubernetesRuntime;
  const settings = () => ({
    namespacePrefix: 'pp-test-',
    image: process.env.INBOX_IMAGE ?? 'partner-platform/inbox',
    imageTag: process.env.INBOX_IMAGE_TAG ?? 'dev',
    baseDomain: 'inbox.test',
    publicScheme: 'http' as const,
    ingressClass: 'nginx',
    ingressControllerNamespace: 'ingress-nginx',
    databaseCidr: '0.0.0.0/0',
    resources: { cpuRequest: '50m', memoryRequest: '96Mi', cpuLimit: '500m', memoryLimit: '192Mi' },
    healthUrlTemplate: 'http://inbox.{namespace}.svc',
    rolloutTimeoutMs: databaseUrl ? 180_000 : 15_000,
    pollIntervalMs: 1000,
    apiTimeoutMs: 15_000,
    fieldManager: 'partner-platform-test',
  });
  beforeAll(() => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    runtime = new KubernetesRuntime(kubeConfig, settings());
  });
  const instanceId = randomBytes(16).toString('hex');
  const spec = {
    instanceId,
    subdomain: `t${instanceId.slice(0, 8)}`,
    partnerId: 'k8s-test',
    env: {
      INSTANCE_ID: instanceId,
      PUBLIC_URL: `http://t${instanceId.slice(0, 8)}.inbox.test`,
      DATABASE_URL: databaseUrl ?? 'postgres://nobody@127.0.0.1:1/none',
      MAX_NUMBER_OF_SEATS: '5',
      WABA_API_KEY: 'test',
      SECRET_KEY: randomBytes(24).toString('hex'),
    },
  };

  afterAll(() => runtime.teardown(instanceId), 180_000);

  it(
    databaseUrl
      ? 'deploys, rolls out and becomes available'
      : 'applies every object (no database: the rollout cannot finish)',
    async () => {
      const deployed = runtime.deploy(spec);
      if (databaseUrl) {
        await expect(deployed).resolves.toMatchObject({ state: 'running' });
      } else {
        // The objects were accepted (any refusal is a PermanentStepError naming the object);
        // only the rollout wait may give up, since the pod has no database.
        await expect(deployed).rejects.toThrow(/rollout of pp-test-.* (not done|failed)/);
      }
      const managed = await runtime.managedNamespaces();
      expect(managed.some((m) => m.instanceId === instanceId)).toBe(true);
    },
    240_000,
  );

  it('tears down: the namespace goes away', async () => {
    await runtime.teardown(instanceId);
    expect(await runtime.status(instanceId)).toEqual({ state: 'missing' });
  }, 180_000);
});

if (!enabled) {
  it('is skipped: set KUBECONFIG to run it against a cluster', () => {
    expect(process.env.KUBECONFIG).toBeUndefined();
  });
}
