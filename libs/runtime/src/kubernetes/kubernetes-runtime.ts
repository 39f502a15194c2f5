/**
 * The Kubernetes runtime: each instance is its own namespace, applied with server-side apply
 * (our field manager, forced: the platform owns these objects). Deploy waits for the rollout by
 * kubectl's rules and fails fast, with the reason, on ProgressDeadlineExceeded, quota refusals and
 * FailedCreate. Teardown deletes the namespace and waits until it is gone.
 */
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  V1Deployment,
  V1DeploymentCondition,
  V1ContainerStatus,
  V1Pod,
} from '@kubernetes/client-node';
import { PermanentStepError, TransientStepError } from '@app/common/errors/step-errors';
import { InstanceSpec, RuntimeDriver, RuntimeStatus } from '../runtime-driver';
import { KubernetesSettings, LABELS, MANAGED_BY } from './kubernetes-settings';
import { APP, instanceManifests, namespaceOf } from './manifests';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Turns an API failure into a step error: 5xx, 429, timeouts and network errors are worth a retry. */
export function stepErrorOf(error: unknown, what: string): Error {
  if (error instanceof PermanentStepError || error instanceof TransientStepError) return error;
  if (error instanceof ApiException) {
    const code = (error as ApiException<unknown>).code;
    const body = (error as ApiException<unknown>).body;
    const message = typeof body === 'string' ? body : JSON.stringify(body);
    const reason = (() => {
      try {
        return (JSON.parse(message) as { message?: string }).message ?? message;
      } catch {
        return message;
      }
    })().slice(0, 300);
    if (code >= 500 || code === 429 || code === 408) {
      return new TransientStepError(`Kubernetes API answered ${code} to ${what}: ${reason}`);
    }
    return new PermanentStepError(`Kubernetes API refused ${what} (${code}): ${reason}`);
  }
  return new TransientStepError(`Kubernetes API unreachable during ${what}: ${(error as Error).message}`);
}

async function call<T>(what: string, timeoutMs: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    throw stepErrorOf(error, what);
  } finally {
    clearTimeout(timer);
  }
}

const isNotFound = (error: unknown) =>
  error instanceof ApiException && (error as ApiException<unknown>).code === 404;

/** The API's answer, or undefined when the object does not exist (404); other errors pass through. */
const orMissing = <T>(request: Promise<T>): Promise<T | undefined> =>
  request.catch((error: unknown) => {
    if (isNotFound(error)) return undefined;
    throw error;
  });

export class KubernetesRuntime implements RuntimeDriver {
  readonly name = 'kubernetes';
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;

  constructor(
    kubeConfig: KubeConfig,
    private readonly settings: KubernetesSettings,
  ) {
    this.objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
  }

  async deploy(spec: InstanceSpec): Promise<RuntimeStatus> {
    for (const object of instanceManifests(this.settings, spec)) {
      await this.call(`applying ${object.kind} ${object.metadata.name}`, () =>
        this.objects.patch(
          object,
          undefined,
          undefined,
          this.settings.fieldManager,
          true,
          PatchStrategy.ServerSideApply,
        ),
      );
    }
    await this.awaitRollout(namespaceOf(this.settings, spec.instanceId));
    return this.running(spec);
  }

  async status(instanceId: string): Promise<RuntimeStatus> {
    const namespace = namespaceOf(this.settings, instanceId);
    const deployment = await this.call(`reading deployment ${namespace}/${APP}`, () =>
      orMissing(this.apps.readNamespacedDeployment({ name: APP, namespace })),
    );
    if (!deployment) return { state: 'missing' };
    return (deployment.status?.availableReplicas ?? 0) >= 1
      ? { state: 'running', internalUrl: this.healthBase(instanceId) }
      : { state: 'stopped', detail: 'no available replica' };
  }

  async teardown(instanceId: string): Promise<void> {
    const name = namespaceOf(this.settings, instanceId);
    // Already gone (404) is what we want.
    await this.call(`deleting namespace ${name}`, () =>
      orMissing(this.core.deleteNamespace({ name, propagationPolicy: 'Foreground' })),
    );
    const deadline = Date.now() + this.settings.rolloutTimeoutMs;
    while (await this.call(`reading namespace ${name}`, () => orMissing(this.core.readNamespace({ name })))) {
      if (Date.now() > deadline) throw new TransientStepError(`namespace ${name} is still terminating`);
      await sleep(this.settings.pollIntervalMs);
    }
  }

  private call<T>(what: string, work: () => Promise<T>): Promise<T> {
    return call(what, this.settings.apiTimeoutMs, work);
  }

  /** Namespaces this platform created, with their instance and partner labels. */
  async managedNamespaces(): Promise<{ namespace: string; instanceId: string; partnerId: string }[]> {
    const list = await this.call('listing namespaces', () =>
      this.core.listNamespace({ labelSelector: `${LABELS.managedBy}=${MANAGED_BY}` }),
    );
    return list.items.map((ns) => ({
      namespace: ns.metadata!.name!,
      instanceId: ns.metadata?.labels?.[LABELS.instance] ?? '',
      partnerId: ns.metadata?.labels?.[LABELS.partner] ?? '',
    }));
  }

  /** kubectl rollout status's rules, with the failure reasons named. */
  private async awaitRollout(namespace: string): Promise<void> {
    const deadline = Date.now() + this.settings.rolloutTimeoutMs;
    let last = 'no status yet';
    for (;;) {
      const deployment = await this.call(`reading deployment ${namespace}/${APP}`, () =>
        this.apps.readNamespacedDeployment({ name: APP, namespace }),
      );
      const verdict = rolloutVerdict(deployment);
      if (verdict.done) return;
      if (verdict.failed)
        throw new PermanentStepError(`rollout of ${namespace}/${APP} failed: ${verdict.failed}`);
      last = verdict.waiting;
      // A pod that crashes at boot never becomes available: seen now, not at the deadline. Retried
      // like any transient step (the retries' end fails the instance with this reason).
      const crashed = podFailure(await this.pods(namespace));
      if (crashed) throw new TransientStepError(`the instance's pod stopped before it was ready: ${crashed}`);
      if (Date.now() > deadline) {
        throw new PermanentStepError(
          `rollout of ${namespace}/${APP} not done within ${Math.round(this.settings.rolloutTimeoutMs / 1000)} s: ${last}`,
        );
      }
      await sleep(this.settings.pollIntervalMs);
    }
  }

  private async pods(namespace: string): Promise<V1Pod[]> {
    const list = await this.call(`listing pods in ${namespace}`, () =>
      this.core.listNamespacedPod({ namespace, labelSelector: `app.kubernetes.io/name=${APP}` }),
    );
    return list.items;
  }

  private running(spec: InstanceSpec): RuntimeStatus {
    return { state: 'running', internalUrl: this.healthBase(spec.instanceId, spec.subdomain) };
  }

  /** The instance's base URL for the health check (settings.healthUrlTemplate). */
  private healthBase(instanceId: string, subdomain = ''): string {
    return this.settings.healthUrlTemplate
      .replace('{namespace}', namespaceOf(this.settings, instanceId))
      .replace('{subdomain}', subdomain)
      .replace('{base_domain}', this.settings.baseDomain)
      .replace(/\/$/, '');
  }
}

/**
 * A pod the ReplicaSet could not create, when retrying will not help. A namespace made a moment
 * ago may not have its "default" ServiceAccount yet: the controller retries that pod once it
 * exists (seen at 200 instances on a real control plane), so that refusal is not a failure.
 */
function replicaFailure(c: V1DeploymentCondition): string | undefined {
  const message = c.message ?? '';
  if (c.type !== 'ReplicaFailure' || c.status !== 'True') return undefined;
  if (/error looking up service account/.test(message)) return undefined;
  const quota = /exceeded quota/i.test(message) ? ' (quota)' : '';
  return `${c.reason ?? 'ReplicaFailure'}${quota}: ${message}`.trim();
}

/** A failure the Deployment reports (kubectl's rules), or undefined. */
function rolloutFailure(conditions: V1DeploymentCondition[]): string | undefined {
  for (const c of conditions) {
    if (c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded') {
      return `ProgressDeadlineExceeded: ${c.message ?? ''}`.trim();
    }
    const failed = replicaFailure(c);
    if (failed) return failed;
  }
  return undefined;
}

/** What a rollout still waits for, or undefined when it is complete. */
function rolloutPending(d: V1Deployment): string | undefined {
  const status = d.status ?? {};
  const replicas = d.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if ((status.observedGeneration ?? 0) < (d.metadata?.generation ?? 0))
    return 'waiting for the rollout to be observed';
  if (updated < replicas) return `${updated} of ${replicas} updated replicas`;
  if (total > updated) return `${total - updated} old replicas pending termination`;
  if (available < updated) return `${available} of ${updated} updated replicas available`;
  return undefined;
}

/** One look at a Deployment: done, failed (with the reason), or still waiting (and on what). */
export function rolloutVerdict(d: V1Deployment): { done?: true; failed?: string; waiting: string } {
  const failed = rolloutFailure(d.status?.conditions ?? []);
  if (failed) return { failed, waiting: '' };
  const waiting = rolloutPending(d);
  return waiting ? { waiting } : { done: true, waiting: '' };
}

/** Waiting reasons of a container that will not start by waiting longer. */
const STUCK = new Set([
  'CrashLoopBackOff',
  'CreateContainerConfigError',
  'CreateContainerError',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'RunContainerError',
]);

/**
 * Why a pod of the instance cannot become ready (a crash loop, an image that cannot be pulled, a
 * configuration error), with its last exit and message, or undefined while it may still come up.
 */
export function podFailure(pods: V1Pod[]): string | undefined {
  for (const pod of pods) {
    for (const container of pod.status?.containerStatuses ?? []) {
      const reason = container.state?.waiting?.reason;
      if (reason && STUCK.has(reason))
        return `pod ${pod.metadata?.name ?? '?'}: ${reason}${lastWords(container)}`;
    }
  }
  return undefined;
}

/** `; last exit 1 (Error): <message>` of a container, as far as it is known. */
function lastWords(container: V1ContainerStatus): string {
  const last = container.lastState?.terminated;
  const exit = last ? `; last exit ${last.exitCode}${last.reason ? ` (${last.reason})` : ''}` : '';
  const said = last?.message ?? container.state?.waiting?.message;
  return `${exit}${said ? `: ${said.slice(0, 300)}` : ''}`;
}
