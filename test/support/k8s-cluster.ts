/** Helpers for a real cluster (scripts/k8s-local.sh): the chart installed by helm, a ServiceAccount's kubeconfig. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { REPO } from './processes';

const run = promisify(execFile);
export const HELM = process.env.HELM ?? join(process.env.HOME ?? '/root', 'go/bin/helm');

/** `helm <args> --namespace <namespace>` in the repository, output returned. */
export const helm = (namespace: string, ...args: string[]) =>
  run(HELM, [...args, '--namespace', namespace], { cwd: REPO, maxBuffer: 16 << 20 });

/** The chart with the k8s-local values, waited for (its migration hook included). */
export const installChart = (release: string, namespace: string, ...more: string[]) =>
  helm(
    namespace,
    'install',
    release,
    'helm/partner-platform',
    '-f',
    'helm/partner-platform/ci/k8s-local-values.yaml',
    '--create-namespace',
    '--wait',
    '--timeout',
    '3m',
    ...more,
  );

/** A kubeconfig file for the release's ServiceAccount: the admin's cluster, a token the API server issued. */
export async function serviceAccountKubeconfig(
  admin: KubeConfig,
  release: string,
  namespace: string,
): Promise<string> {
  const core = admin.makeApiClient(CoreV1Api);
  const [account] = (
    await core.listNamespacedServiceAccount({
      namespace,
      labelSelector: `app.kubernetes.io/instance=${release}`,
    })
  ).items;
  const token = await core.createNamespacedServiceAccountToken({
    name: account.metadata!.name!,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = admin.getCurrentCluster()!;
  const file = join(mkdtempSync(join(tmpdir(), 'sa-kubeconfig-')), 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'k8s', cluster: { server: cluster.server, 'certificate-authority-data': cluster.caData } },
      ],
      users: [{ name: 'worker', user: { token: token.status!.token } }],
      contexts: [{ name: 'worker', context: { cluster: 'k8s', user: 'worker' } }],
      'current-context': 'worker',
    }),
    { mode: 0o600 },
  );
  return file;
}
