/**
 * `npm run bench:k8s`: provisions BENCH_K8S_INSTANCES (default 200) instances with the Kubernetes
 * runtime, BENCH_K8S_CONCURRENCY (default 50) at a time, as the worker does: server-side apply of
 * the 8 objects, the rollout waited for until Available, then the HTTP health check. First against
 * the fake API server (test/support/fake-kube-api, every object schema-validated there), then, when
 * KUBECONFIG is set (`scripts/k8s-local.sh up`), against that real control plane as the Helm
 * chart's ServiceAccount (the chart is installed for it; RBAC and admission judge every request).
 * Side by side: instances per second to Available and healthy, API requests per instance (the fake
 * counts ours; the real API server's apiserver_request_total also counts what its controllers,
 * scheduler and kwok did for each instance). Target (issue 15): ≥ 10 instances/s on the real one.
 * The database step is not part of it (PostgreSQL's CREATE DATABASE is measured by bench:e2e).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitUntilHealthy } from '@app/provisioning';
import { KubernetesRuntime, KubernetesSettings, kubernetesSettings } from '@app/runtime';
import { loadConfig } from '@app/config';
import { startFakeKube } from '../test/support/fake-kube-api/fake-kube';
import { helm, installChart, serviceAccountKubeconfig } from '../test/support/k8s-cluster';
import { pad } from './support';

const run = promisify(execFile);
const N = Number(process.env.BENCH_K8S_INSTANCES ?? 200);
const CONCURRENCY = Number(process.env.BENCH_K8S_CONCURRENCY ?? 50);
const settings = (): KubernetesSettings =>
  kubernetesSettings(
    loadConfig({ K8S_CLUSTER_ISSUER: 'letsencrypt', SECRETS_ENCRYPTION_KEY: 'a'.repeat(64) }),
  );

interface Result {
  perSecond: number;
  seconds: number;
  requestsPerInstance: number;
}

/** N instances, CONCURRENCY at a time: deployed, Available, healthy. */
async function provision(runtime: KubernetesRuntime, ids: string[]): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const status = await runtime.deploy({
          instanceId: id,
          subdomain: `t${id.slice(0, 12)}`,
          partnerId: 'bench',
          env: {
            INSTANCE_ID: id,
            DATABASE_URL: `postgres://tenant_${id}:pw@db:5432/tenant_${id}`,
            SECRET_KEY: id.repeat(2),
          },
        });
        await waitUntilHealthy(`${status.internalUrl}/api/v1/status/health`, { deadlineMs: 30_000 });
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

async function onFake(): Promise<Result> {
  const fake = await startFakeKube();
  try {
    const runtime = new KubernetesRuntime(fake.kubeConfig, {
      ...settings(),
      healthUrlTemplate: `${fake.url}/_fake/health/{namespace}`,
      pollIntervalMs: 50,
    });
    const seconds = await provision(
      runtime,
      Array.from({ length: N }, () => randomBytes(16).toString('hex')),
    );
    const state = await fake.state();
    if (state.violations.length) throw new Error(`${state.violations.length} schema violations`);
    return { perSecond: N / seconds, seconds, requestsPerInstance: state.requests / N };
  } finally {
    await fake.stop();
  }
}

/** The API server's own count of the requests it served (all clients). */
async function apiServerRequests(kubeconfig: string): Promise<number> {
  const kubectl = `${(await run('bash', ['scripts/k8s-local.sh', 'bin'])).stdout.trim()}/kubectl`;
  const { stdout } = await run(kubectl, ['--kubeconfig', kubeconfig, 'get', '--raw', '/metrics'], {
    maxBuffer: 64 << 20,
  });
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('apiserver_request_total{'))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

async function onRealCluster(kubeconfig: string): Promise<Result> {
  const admin = new KubeConfig();
  admin.loadFromFile(kubeconfig);
  const namespace = `pp-bench-${Date.now().toString(36)}`;
  // Pods run nothing under kwok: the health check is answered here (the API path is what is measured).
  const health = createServer((_req, res) => res.end('{"status":"healthy"}'));
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  const ids = Array.from({ length: N }, () => randomBytes(16).toString('hex'));
  // One kwok node takes 110 pods, as a kubelet would: enough nodes for N instances and the chart.
  const nodes = Array.from({ length: Math.ceil((N + 10) / 100) }, (_, i) => `bench-node-${i}`);
  const core = admin.makeApiClient(CoreV1Api);
  for (const name of nodes)
    await core
      .createNode({
        body: {
          metadata: {
            name,
            annotations: { 'kwok.x-k8s.io/node': 'fake' },
            labels: { 'kubernetes.io/os': 'linux', 'kubernetes.io/hostname': name, type: 'kwok' },
          },
          status: {
            allocatable: { cpu: '32', memory: '256Gi', pods: '110' },
            capacity: { cpu: '32', memory: '256Gi', pods: '110' },
          },
        },
      })
      .catch((error: { code?: number }) => {
        if (error.code !== 409) throw error; // left by an interrupted run: reused
      });
  await installChart('bench', namespace);
  const asWorker = new KubeConfig();
  asWorker.loadFromFile(await serviceAccountKubeconfig(admin, 'bench', namespace));
  const runtime = new KubernetesRuntime(asWorker, {
    ...settings(),
    namespacePrefix: 'bench-',
    healthUrlTemplate: `http://127.0.0.1:${(health.address() as AddressInfo).port}/{namespace}`,
    pollIntervalMs: 250,
  });
  try {
    const before = await apiServerRequests(kubeconfig);
    const seconds = await provision(runtime, ids);
    const requests = (await apiServerRequests(kubeconfig)) - before;
    return { perSecond: N / seconds, seconds, requestsPerInstance: requests / N };
  } finally {
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < ids.length) await runtime.teardown(ids[next++]).catch(() => undefined);
      }),
    );
    await helm(namespace, 'uninstall', 'bench', '--wait').catch(() => undefined);
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    for (const name of nodes)
      await core
        .deleteNode({ name })
        .catch((error: Error) => console.error(`could not delete node ${name}: ${error.message}`));
    health.close();
  }
}

async function main(): Promise<void> {
  const fake = await onFake();
  const real = process.env.KUBECONFIG ? await onRealCluster(process.env.KUBECONFIG) : undefined;
  const line = (label: string, f: string, r: string, target: string) =>
    console.log(`${label.padEnd(40)} ${pad(f, 14)} ${pad(r, 16)} ${pad(target, 8)}`);
  console.log(`\n${N} instances, ${CONCURRENCY} at a time: applied, Available, healthy`);
  line('', 'fake API', real ? 'real (k8s-local)' : 'real: no KUBECONFIG', 'target');
  line('instances per second', fake.perSecond.toFixed(1), real ? real.perSecond.toFixed(1) : '-', '≥ 10');
  line('seconds', fake.seconds.toFixed(1), real ? real.seconds.toFixed(1) : '-', '');
  line(
    'API requests per instance',
    fake.requestsPerInstance.toFixed(1),
    real ? `${real.requestsPerInstance.toFixed(1)} (all clients)` : '-',
    '',
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
