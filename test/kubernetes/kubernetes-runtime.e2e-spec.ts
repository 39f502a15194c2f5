/**
 * The Kubernetes runtime against a fake API server over HTTP (test/support/fake-kube-api), with
 * the real @kubernetes/client-node on this side and every applied object validated against the
 * official Kubernetes schemas on the other.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { KubernetesRuntime } from '@app/runtime';
import { PermanentStepError, TransientStepError } from '@app/common';
import { KubernetesSettings, LABELS } from '@app/runtime';
import { FakeKube, startFakeKube } from '../support/fake-kube-api/fake-kube';

const settings: KubernetesSettings = {
  namespacePrefix: 'inbox-',
  image: 'ghcr.io/example/partner-platform-inbox',
  imageTag: '1.2.3',
  baseDomain: 'inbox.example.com',
  publicScheme: 'https',
  ingressClass: 'nginx',
  clusterIssuer: 'letsencrypt',
  ingressControllerNamespace: 'ingress-nginx',
  databaseCidr: '10.20.0.0/16',
  resources: { cpuRequest: '50m', memoryRequest: '96Mi', cpuLimit: '500m', memoryLimit: '192Mi' },
  healthUrlTemplate: 'http://inbox.{namespace}.svc',
  rolloutTimeoutMs: 2000,
  pollIntervalMs: 20,
  fieldManager: 'partner-platform',
  apiTimeoutMs: 500,
};

const newId = () => randomBytes(16).toString('hex');
const spec = (instanceId = newId()) => ({
  instanceId,
  subdomain: `acme-${instanceId.slice(0, 6)}`,
  partnerId: 'acme',
  env: {
    INSTANCE_ID: instanceId,
    DATABASE_URL: 'postgres://tenant:pw@db:5432/tenant',
    SECRET_KEY: 'x'.repeat(40),
  },
});

describe('Kubernetes runtime against a fake API server', () => {
  let fake: FakeKube;
  let runtime: KubernetesRuntime;

  beforeAll(async () => {
    fake = await startFakeKube();
    runtime = new KubernetesRuntime(fake.kubeConfig, settings);
  });
  afterAll(() => fake?.stop());

  const objectsOf = async (namespace: string) =>
    (await fake.state()).objects.filter(
      (o) => o.metadata.namespace === namespace || o.metadata.name === namespace,
    );

  it('provisions a namespace with every object, schema-valid, and returns the Service URL', async () => {
    const s = spec();
    const status = await runtime.deploy(s);
    const namespace = `inbox-${s.instanceId}`;
    expect(status).toEqual({ state: 'running', internalUrl: `http://inbox.${namespace}.svc` });
    const objects = await objectsOf(namespace);
    expect(objects.map((o) => o.kind).sort()).toEqual(
      [
        'Deployment',
        'Ingress',
        'LimitRange',
        'Namespace',
        'NetworkPolicy',
        'ResourceQuota',
        'Secret',
        'Service',
      ].sort(),
    );
    expect((await fake.state()).violations).toEqual([]);
    const ns = objects.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels).toMatchObject({
      [LABELS.partner]: 'acme',
      [LABELS.instance]: s.instanceId,
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    const deployment = objects.find((o) => o.kind === 'Deployment')! as unknown as {
      spec: {
        template: {
          spec: { containers: Record<string, unknown>[]; securityContext: Record<string, unknown> };
        };
      };
    };
    const container = deployment.spec.template.spec.containers[0];
    expect(container.image).toBe('ghcr.io/example/partner-platform-inbox:1.2.3');
    expect(container.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
    });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/api/v1/status/health' } });
    const ingress = objects.find((o) => o.kind === 'Ingress')!;
    expect(ingress.spec).toMatchObject({
      ingressClassName: 'nginx',
      tls: [{ hosts: [`${s.subdomain}.inbox.example.com`, `websockets-${s.subdomain}.inbox.example.com`] }],
    });
    // The websocket host (seed 002) goes to the same Service.
    expect((ingress.spec as { rules: { host: string }[] }).rules.map((r) => r.host)).toEqual([
      `${s.subdomain}.inbox.example.com`,
      `websockets-${s.subdomain}.inbox.example.com`,
    ]);
    expect(await runtime.status(s.instanceId)).toMatchObject({ state: 'running' });
  });

  it.each([
    ['progress-deadline', /ProgressDeadlineExceeded: ReplicaSet "inbox-5d4f8" has timed out progressing/],
    ['failed-create', /failed: FailedCreate: pods "inbox-5d4f8-x2" is forbidden: violates PodSecurity/],
  ])('fails fast with the reason when the rollout reports %s', async (mode, reason) => {
    const s = spec();
    await fake.control('mode', { namespace: `inbox-${s.instanceId}`, mode });
    const started = Date.now();
    const error = await runtime.deploy(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect((error as Error).message).toMatch(reason);
    expect(Date.now() - started).toBeLessThan(1000); // not the 2 s rollout timeout
  });

  it('fails a rollout whose pod crashes at boot at once, with its last exit, for a retry', async () => {
    const s = spec();
    await fake.control('mode', { namespace: `inbox-${s.instanceId}`, mode: 'crash-loop' });
    const started = Date.now();
    const error = await runtime.deploy(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransientStepError);
    expect((error as Error).message).toBe(
      "the instance's pod stopped before it was ready: pod inbox-5d4f8-x2: CrashLoopBackOff; last exit 1 (Error): inbox failed to start: DATABASE_URL is required",
    );
    expect(Date.now() - started).toBeLessThan(1000); // not the 2 s rollout timeout
  });

  it('gives up on a rollout that never becomes available, naming what it waited for', async () => {
    const s = spec();
    await fake.control('mode', { namespace: `inbox-${s.instanceId}`, mode: 'pending' });
    const error = await runtime.deploy(s).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect((error as Error).message).toMatch(/not done within 2 s: 0 of 1 updated replicas available/);
  });

  it('waits for a rollout that becomes available later', async () => {
    const s = spec();
    const namespace = `inbox-${s.instanceId}`;
    await fake.control('mode', { namespace, mode: 'pending' });
    setTimeout(() => void fake.control('deployment-status', { namespace, mode: 'ready' }), 300);
    await expect(runtime.deploy(s)).resolves.toMatchObject({ state: 'running' });
  });

  it('turns API 5xx and timeouts into retryable errors, and a retry converges', async () => {
    const s = spec();
    await fake.control('faults', { status: 503, count: 1, match: `inbox-${s.instanceId}` });
    const unavailable = await runtime.deploy(s).catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(TransientStepError);
    expect((unavailable as Error).message).toMatch(/answered 503/);
    await expect(runtime.deploy(s)).resolves.toMatchObject({ state: 'running' });
    await fake.control('faults', { delayMs: 2000, count: 1, match: `inbox-${s.instanceId}` });
    const slow = await runtime.deploy(s).catch((e: unknown) => e);
    expect(slow).toBeInstanceOf(TransientStepError);
    expect((slow as Error).message).toMatch(/unreachable during applying .*: no answer within 500 ms/);
    await expect(runtime.deploy(s)).resolves.toMatchObject({ state: 'running' });
  });

  it('turns a refused request (4xx) into a permanent error with the API server message', async () => {
    const bad = new KubernetesRuntime(fake.kubeConfig, {
      ...settings,
      imageTag: '',
      resources: { ...settings.resources, cpuLimit: 'lots' },
    });
    const error = await bad.deploy(spec()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentStepError);
    expect((error as Error).message).toMatch(/refused applying (Deployment|LimitRange) .*\(422\)/);
    expect((await fake.state()).violations.length).toBeGreaterThan(0);
  });

  // Last. Re-applying, listing and tearing down are tested on a real API server
  // (test/k8s-cluster); here they only drive the requests whose verbs are counted.
  it("uses exactly what the Helm chart's ClusterRole grants", async () => {
    const s = spec();
    await runtime.deploy(s);
    await runtime.deploy(s);
    await runtime.status(s.instanceId);
    await runtime.managedNamespaces();
    await runtime.teardown(s.instanceId);
    const template = readFileSync(
      resolve(__dirname, '../../helm/partner-platform/templates/rbac.yaml'),
      'utf8',
    );
    const clusterRole = template.slice(template.indexOf('kind: ClusterRole\n'));
    const rules = parse(clusterRole.slice(clusterRole.indexOf('rules:'), clusterRole.indexOf('---'))) as {
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    const granted = rules.rules
      .flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
          rule.resources.flatMap((resource) => rule.verbs.map((verb) => `${group}/${resource}:${verb}`)),
        ),
      )
      .sort();
    expect((await fake.state()).verbs).toEqual(granted);
  });
});
