/**
 * `npm run bench:k8s`: provisions BENCH_K8S_INSTANCES (default 1,000) instances with the
 * Kubernetes runtime against the fake API server (test/support/fake-kube-api, every object
 * schema-validated there), BENCH_K8S_CONCURRENCY (default 50) at a time, as a worker would:
 * server-side apply of the 8 objects, rollout wait, then the HTTP health check (answered by the
 * fake). Prints instances applied per second and this process's peak RSS. Target (issue 5): ≥ 50/s.
 * The database step is not part of it (PostgreSQL's CREATE DATABASE is measured by bench:e2e).
 */
import { randomBytes } from 'node:crypto';
import { waitUntilHealthy } from '@app/provisioning';
import { kubernetesSettings } from '@app/runtime';
import { KubernetesRuntime } from '@app/runtime';
import { loadConfig } from '@app/config';
import { startFakeKube } from '../test/support/fake-kube-api/fake-kube';

const N = Number(process.env.BENCH_K8S_INSTANCES ?? 1000);
const CONCURRENCY = Number(process.env.BENCH_K8S_CONCURRENCY ?? 50);

async function main(): Promise<void> {
  const fake = await startFakeKube();
  // The worker's own settings (defaults, plus TLS), with health answered by the fake and a quick poll.
  const runtime = new KubernetesRuntime(fake.kubeConfig, {
    ...kubernetesSettings(
      loadConfig({ K8S_CLUSTER_ISSUER: 'letsencrypt', SECRETS_ENCRYPTION_KEY: 'a'.repeat(64) }),
    ),
    healthUrlTemplate: `${fake.url}/_fake/health/{namespace}`,
    pollIntervalMs: 50,
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const ids = Array.from({ length: N }, () => randomBytes(16).toString('hex'));
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
        await waitUntilHealthy(`${status.internalUrl}/api/v1/status/health`, { deadlineMs: 10_000 });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  const state = await fake.state();
  await fake.stop();
  console.log(`\n${N} instances, ${CONCURRENCY} at a time, against the fake API server`);
  console.log(`applied and healthy:   ${(N / seconds).toFixed(1)} instances/s (${seconds.toFixed(1)} s)`);
  console.log(
    `API requests:          ${state.requests} (${(state.requests / N).toFixed(1)} per instance), ${state.violations.length} schema violations`,
  );
  console.log(`peak RSS (this process): ${(peakRss / 1024 / 1024).toFixed(1)} MB`);
  console.log(`target: ≥ 50 instances/s`);
  if (state.violations.length) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
