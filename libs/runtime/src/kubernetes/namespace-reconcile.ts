import { Logger } from '@nestjs/common';
import type { KubernetesRuntime } from './kubernetes-runtime';

export type ReconcileMode = 'off' | 'report' | 'delete';

export interface ReconcileReport {
  managed: number;
  orphans: { namespace: string; instanceId: string; why: string }[];
  removed: string[];
}

/**
 * Finds namespaces carrying our labels whose instance is deleted or unknown to the control plane
 * (a teardown that never ran, a restored backup, a hand-made copy) and reports or removes them.
 * `statusOf` answers the control plane's status for each instance id it knows.
 */
export async function reconcileNamespaces(
  runtime: Pick<KubernetesRuntime, 'managedNamespaces' | 'teardown'>,
  statusOf: (instanceIds: string[]) => Promise<Map<string, string>>,
  mode: ReconcileMode,
  logger = new Logger('NamespaceReconcile'),
): Promise<ReconcileReport> {
  const report: ReconcileReport = { managed: 0, orphans: [], removed: [] };
  if (mode === 'off') return report;
  const managed = await runtime.managedNamespaces();
  report.managed = managed.length;
  const statuses = await statusOf(managed.map((m) => m.instanceId).filter((id) => /^[0-9a-f]{32}$/.test(id)));
  for (const { namespace, instanceId } of managed) {
    const status = statuses.get(instanceId);
    if (status && status !== 'deleted') continue;
    const why = status ? 'its instance is deleted' : 'no instance has this id';
    report.orphans.push({ namespace, instanceId, why });
    if (mode === 'delete') {
      await runtime.teardown(instanceId);
      report.removed.push(namespace);
      logger.warn({ namespace, instanceId }, `removed orphaned namespace: ${why}`);
    } else {
      logger.warn({ namespace, instanceId }, `orphaned namespace (K8S_RECONCILE=report): ${why}`);
    }
  }
  return report;
}
