/**
 * Opt-in (`npm run test:k8s`, KUBECONFIG set; `scripts/k8s-local.sh up` makes such a cluster): the
 * Helm chart installed for real. Every object must be accepted by the API server, the migration
 * hook Job must complete (kwok completes Job pods), the API and worker Deployments must become
 * Available; `helm upgrade` with a changed value rolls them; `helm uninstall` leaves nothing.
 */
import { AppsV1Api, CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { helm, installChart } from '../support/k8s-cluster';

const enabled = Boolean(process.env.KUBECONFIG);
const describeCluster = enabled ? describe : describe.skip;
const NAMESPACE = `pp-helm-${Date.now().toString(36)}`;
const RELEASE = 'pp';

describeCluster('the Helm chart on a real API server', () => {
  const config = new KubeConfig();
  config.loadFromDefault();
  const apps = config.makeApiClient(AppsV1Api);
  const core = config.makeApiClient(CoreV1Api);
  const rbac = config.makeApiClient(RbacAuthorizationV1Api);
  const available = async (name: string) => {
    const deployment = await apps.readNamespacedDeployment({ name, namespace: NAMESPACE });
    return deployment.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True') ?? false;
  };

  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
    // The host's PostgreSQL, Redis and SMTP, by name (nothing connects: kwok runs no containers).
    for (const name of ['host-postgres', 'host-redis', 'host-smtp'])
      await core.createNamespacedService({
        namespace: NAMESPACE,
        body: { metadata: { name }, spec: { type: 'ExternalName', externalName: 'host.k8s-local.internal' } },
      });
  });
  afterAll(async () => {
    await core.deleteNamespace({ name: NAMESPACE }).catch(() => undefined);
  });

  it('installs: every object accepted, the migration hook completed, API and worker Available', async () => {
    const { stdout } = await installChart(RELEASE, NAMESPACE);
    expect(stdout).toContain('STATUS: deployed');
    await expect(available(`${RELEASE}-partner-platform-api`)).resolves.toBe(true);
    await expect(available(`${RELEASE}-partner-platform-worker`)).resolves.toBe(true);
  }, 240_000);

  it('upgrades with a changed value: both Deployments roll to a new ReplicaSet', async () => {
    const before = await apps.readNamespacedDeployment({
      name: `${RELEASE}-partner-platform-api`,
      namespace: NAMESPACE,
    });
    await helm(
      NAMESPACE,
      'upgrade',
      RELEASE,
      'helm/partner-platform',
      '-f',
      'helm/partner-platform/ci/k8s-local-values.yaml',
      '--set',
      'config.logLevel=debug',
      '--wait',
      '--timeout',
      '3m',
    );
    const after = await apps.readNamespacedDeployment({
      name: `${RELEASE}-partner-platform-api`,
      namespace: NAMESPACE,
    });
    expect(after.metadata?.generation).toBeGreaterThan(before.metadata?.generation ?? 0);
    expect(after.status?.observedGeneration).toBe(after.metadata?.generation);
    await expect(available(`${RELEASE}-partner-platform-worker`)).resolves.toBe(true);
  }, 240_000);

  it('uninstalls leaving nothing of the release behind', async () => {
    await helm(NAMESPACE, 'uninstall', RELEASE, '--wait', '--timeout', '3m');
    const selector = `app.kubernetes.io/instance=${RELEASE}`;
    const left = [
      ...(await apps.listNamespacedDeployment({ namespace: NAMESPACE, labelSelector: selector })).items,
      ...(await core.listNamespacedConfigMap({ namespace: NAMESPACE, labelSelector: selector })).items,
      ...(await core.listNamespacedSecret({ namespace: NAMESPACE, labelSelector: selector })).items,
      ...(await core.listNamespacedService({ namespace: NAMESPACE, labelSelector: selector })).items,
      ...(await core.listNamespacedServiceAccount({ namespace: NAMESPACE, labelSelector: selector })).items,
      ...(await rbac.listClusterRole({ labelSelector: selector })).items,
    ].map((o) => o.metadata?.name);
    expect(left).toEqual([]);
  }, 240_000);
});
