/**
 * A faithful fake of the Kubernetes API server, for the Kubernetes runtime's tests and benchmark
 * (no cluster here). Plain ESM because the official schemas (kubernetes-models) ship as ES modules
 * only; run it as a process: `node test/support/fake-kube-api/server.mjs` (FAKE_KUBE_PORT, 0 =
 * any); it prints `listening <url>`.
 *
 * It answers discovery, server-side-apply PATCH (fieldManager and force required), GET, list with
 * label selectors, DELETE (namespaces terminate, then vanish with their objects), and validates
 * every applied object against the official schemas, answering 422 like the real API server.
 * Deployments get a status by mode (ready, pending, progress-deadline, quota, failed-create,
 * crash-loop: pending, and its pod in CrashLoopBackOff; pods are listed, never stored).
 * Test controls under /_fake/: mode, faults (5xx or hangs for the next N requests), state.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';

const RESOURCES = {
  v1: [
    ['namespaces', 'Namespace', false, core.Namespace],
    ['secrets', 'Secret', true, core.Secret],
    ['services', 'Service', true, core.Service],
    ['resourcequotas', 'ResourceQuota', true, core.ResourceQuota],
    ['limitranges', 'LimitRange', true, core.LimitRange],
    ['pods', 'Pod', true, core.Pod],
  ],
  'apps/v1': [['deployments', 'Deployment', true, apps.Deployment]],
  'networking.k8s.io/v1': [
    ['ingresses', 'Ingress', true, networking.Ingress],
    ['networkpolicies', 'NetworkPolicy', true, networking.NetworkPolicy],
  ],
};

const store = new Map(); // key `${groupVersion}/${plural}/${namespace}/${name}` → object
const state = {
  applies: 0,
  requests: 0,
  violations: [],
  faults: [],
  defaultMode: process.env.FAKE_KUBE_MODE ?? 'ready',
  modes: {},
  /** What RBAC would have to allow for the requests seen: `group/resource:verb` ('' = core group). */
  verbs: new Set(),
};
const authorize = (r, verb) =>
  state.verbs.add(`${r.groupVersion.includes('/') ? r.groupVersion.split('/')[0] : ''}/${r.plural}:${verb}`);
const terminateMs = Number(process.env.FAKE_KUBE_TERMINATE_MS ?? 50);

const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const status = (res, code, reason, message) =>
  send(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });

/** A Deployment whose ReplicaSet cannot create its pod (quota, admission), as the controller reports it. */
function failedCreate(object, why) {
  return {
    observedGeneration: object.metadata.generation,
    conditions: [
      {
        type: 'ReplicaFailure',
        status: 'True',
        reason: 'FailedCreate',
        message: `pods "${object.metadata.name}-5d4f8-x2" is forbidden: ${why}`,
        lastUpdateTime: new Date().toISOString(),
      },
    ],
  };
}

function deploymentStatus(object, mode) {
  const generation = object.metadata.generation;
  const base = { observedGeneration: generation, replicas: 1 };
  const now = new Date().toISOString();
  switch (mode) {
    case 'pending':
    case 'crash-loop':
      return {
        ...base,
        updatedReplicas: 1,
        unavailableReplicas: 1,
        conditions: [
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', lastUpdateTime: now },
        ],
      };
    case 'progress-deadline':
      return {
        ...base,
        updatedReplicas: 1,
        unavailableReplicas: 1,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${object.metadata.name}-5d4f8" has timed out progressing.`,
            lastUpdateTime: now,
          },
        ],
      };
    case 'quota':
      return failedCreate(
        object,
        'exceeded quota: inbox-quota, requested: requests.memory=4Gi, used: requests.memory=0, limited: requests.memory=1Gi',
      );
    case 'failed-create':
      return failedCreate(object, 'violates PodSecurity "restricted:latest"');
    default:
      return {
        ...base,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', lastUpdateTime: now },
          { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', lastUpdateTime: now },
        ],
      };
  }
}

/** The Pod Security Standards' "restricted" profile: what a Deployment's pods violate, if anything. */
function restrictedViolation(pod) {
  const problems = [];
  const podContext = pod.securityContext ?? {};
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.allowPrivilegeEscalation !== false)
      problems.push(`allowPrivilegeEscalation != false (container "${c.name}")`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL'))
      problems.push(`unrestricted capabilities (container "${c.name}")`);
    if (!(sc.runAsNonRoot ?? podContext.runAsNonRoot))
      problems.push(`runAsNonRoot != true (container "${c.name}")`);
    if ((sc.runAsUser ?? podContext.runAsUser) === 0) problems.push(`runAsUser=0 (container "${c.name}")`);
    const seccomp = (sc.seccompProfile ?? podContext.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      problems.push(`seccompProfile (container "${c.name}")`);
    if (sc.privileged) problems.push(`privileged (container "${c.name}")`);
  }
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push('host namespaces');
  for (const v of pod.volumes ?? []) if (v.hostPath) problems.push(`hostPath volume "${v.name}"`);
  return problems.length ? problems.join(', ') : undefined;
}

/** The Deployment's pod as the kubelet would report it: crash-looping in mode crash-loop, else none listed. */
function podsOf(namespace) {
  if ((state.modes[namespace] ?? state.defaultMode) !== 'crash-loop') return [];
  return [
    {
      metadata: { name: 'inbox-5d4f8-x2', namespace, labels: { 'app.kubernetes.io/name': 'inbox' } },
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'inbox',
            ready: false,
            restartCount: 3,
            state: {
              waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
            },
            lastState: {
              terminated: {
                exitCode: 1,
                reason: 'Error',
                message: 'inbox failed to start: DATABASE_URL is required',
              },
            },
          },
        ],
      },
    },
  ];
}

/** `/api/v1/namespaces/ns/secrets/name` → parts; undefined when not a resource path. */
function route(pathname) {
  const m =
    /^\/(?:api\/(v1)|apis\/([^/]+\/[^/]+))(?:\/namespaces\/([^/]+))?(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(
      pathname,
    );
  if (!m) return undefined;
  const groupVersion = m[1] ?? m[2];
  let [namespace, plural, name] = [m[3], m[4], m[5]];
  if (namespace && !plural) [plural, name, namespace] = ['namespaces', namespace, undefined];
  const resource = (RESOURCES[groupVersion] ?? []).find(([p]) => p === plural);
  return { groupVersion, namespace, plural, name, resource };
}

const matches = (object, selector) =>
  !selector ||
  selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return object.metadata.labels?.[k] === v;
  });

function apply(res, url, r, body) {
  if (!url.searchParams.get('fieldManager'))
    return status(res, 422, 'Invalid', 'PATCH: fieldManager is required for apply requests');
  let object;
  try {
    object = parseYaml(body);
  } catch (error) {
    return status(res, 400, 'BadRequest', `error decoding YAML: ${error.message}`);
  }
  const [, kind, namespaced, Model] = r.resource;
  if (object?.kind !== kind || object.apiVersion !== r.groupVersion)
    return status(
      res,
      400,
      'BadRequest',
      `body is ${object?.apiVersion} ${object?.kind}, URL wants ${r.groupVersion} ${kind}`,
    );
  if (object.metadata?.name !== r.name)
    return status(res, 400, 'BadRequest', 'the name of the object does not match the name in the URL');
  if (namespaced && object.metadata.namespace && object.metadata.namespace !== r.namespace)
    return status(
      res,
      400,
      'BadRequest',
      'the namespace of the object does not match the namespace in the URL',
    );
  try {
    new Model(object).validate();
  } catch (error) {
    state.violations.push({ kind, name: r.name, error: String(error.message).slice(0, 500) });
    return status(res, 422, 'Invalid', `${kind} "${r.name}" is invalid: ${error.message}`);
  }
  if (namespaced && !store.has(`v1/namespaces//${r.namespace}`))
    return status(res, 404, 'NotFound', `namespaces "${r.namespace}" not found`);
  const ns = namespaced ? store.get(`v1/namespaces//${r.namespace}`) : undefined;
  if (ns?.status?.phase === 'Terminating')
    return status(
      res,
      403,
      'Forbidden',
      `${kind} "${r.name}" is forbidden: unable to create new content in namespace ${r.namespace} because it is being terminated`,
    );
  const key = `${r.groupVersion}/${r.plural}/${r.namespace ?? ''}/${r.name}`;
  const previous = store.get(key);
  if (
    previous &&
    url.searchParams.get('force') !== 'true' &&
    previous.metadata.managedFields?.[0]?.manager !== url.searchParams.get('fieldManager')
  ) {
    return status(
      res,
      409,
      'Conflict',
      'Apply failed with conflicts: another field manager owns these fields',
    );
  }
  const { status: _ignored, ...desired } = object;
  const changed =
    !previous ||
    JSON.stringify(previous.spec ?? previous.data ?? previous.stringData) !==
      JSON.stringify(desired.spec ?? desired.data ?? desired.stringData);
  const stored = {
    ...desired,
    metadata: {
      ...desired.metadata,
      ...(namespaced ? { namespace: r.namespace } : {}),
      uid: previous?.metadata.uid ?? randomUUID(),
      creationTimestamp: previous?.metadata.creationTimestamp ?? new Date().toISOString(),
      resourceVersion: String(++state.applies),
      generation: (previous?.metadata.generation ?? 0) + (changed ? 1 : 0),
      managedFields: [
        { manager: url.searchParams.get('fieldManager'), operation: 'Apply', apiVersion: r.groupVersion },
      ],
    },
  };
  if (kind === 'Namespace') stored.status = { phase: 'Active' };
  if (kind === 'Deployment') {
    // Pod Security admission judges the pods a Deployment creates: a violation surfaces as FailedCreate.
    const enforced = ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted';
    const violation = enforced ? restrictedViolation(stored.spec.template.spec) : undefined;
    stored.status = violation
      ? failedCreate(stored, `violates PodSecurity "restricted:latest": ${violation}`)
      : deploymentStatus(stored, state.modes[r.namespace] ?? state.defaultMode);
  }
  store.set(key, stored);
  authorize(r, 'patch');
  if (!previous) authorize(r, 'create'); // server-side apply of a new object needs create too
  send(res, previous ? 200 : 201, stored);
}

function remove(res, r) {
  const key = `${r.groupVersion}/${r.plural}/${r.namespace ?? ''}/${r.name}`;
  const object = store.get(key);
  if (!object) return status(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
  if (r.plural === 'namespaces') {
    object.status = { phase: 'Terminating' };
    setTimeout(() => {
      for (const k of [...store.keys()])
        if (k.includes(`//${r.name}/`) || k.split('/').at(-2) === r.name || k === key) store.delete(k);
    }, terminateMs);
    return send(res, 200, object);
  }
  store.delete(key);
  send(res, 200, {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Success',
    details: { name: r.name, kind: r.plural },
  });
}

function control(req, res, url, body) {
  const input = body ? JSON.parse(body) : {};
  // Stands in for the instance's health check behind its Service: 200 once its Deployment is available.
  const health = /^\/_fake\/health\/([^/]+)\//.exec(url.pathname);
  if (health) {
    const deployment = store.get(`apps/v1/deployments/${health[1]}/inbox`);
    const up = (deployment?.status?.availableReplicas ?? 0) >= 1;
    return send(res, up ? 200 : 503, { status: up ? 'healthy' : 'unavailable' });
  }
  if (url.pathname === '/_fake/mode') {
    if (input.namespace) state.modes[input.namespace] = input.mode;
    else state.defaultMode = input.mode;
    return send(res, 200, { ok: true });
  }
  if (url.pathname === '/_fake/deployment-status') {
    const key = `apps/v1/deployments/${input.namespace}/${input.name ?? 'inbox'}`;
    const object = store.get(key);
    if (!object) return status(res, 404, 'NotFound', 'no such deployment');
    state.modes[input.namespace] = input.mode;
    object.status = deploymentStatus(object, input.mode);
    return send(res, 200, object.status);
  }
  if (url.pathname === '/_fake/faults') {
    state.faults.push(
      ...Array.from({ length: input.count ?? 1 }, () => ({
        status: input.status,
        delayMs: input.delayMs,
        match: input.match,
      })),
    );
    return send(res, 200, { pending: state.faults.length });
  }
  if (url.pathname === '/_fake/state') {
    return send(res, 200, {
      requests: state.requests,
      applies: state.applies,
      violations: state.violations,
      verbs: [...state.verbs].sort(),
      objects: [...store.values()],
    });
  }
  status(res, 404, 'NotFound', 'no such control');
}

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const url = new URL(req.url, 'http://fake');
    if (url.pathname.startsWith('/_fake/')) return control(req, res, url, body);
    state.requests++;
    const faultAt = state.faults.findIndex((f) => !f.match || url.pathname.includes(f.match));
    if (faultAt >= 0) {
      const [fault] = state.faults.splice(faultAt, 1);
      if (fault.delayMs)
        return void setTimeout(
          () => !res.writableEnded && status(res, 504, 'Timeout', 'slow'),
          fault.delayMs,
        );
      return status(res, fault.status ?? 503, 'ServiceUnavailable', 'injected fault');
    }
    if (url.pathname === '/api')
      return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (url.pathname === '/apis') {
      return send(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: Object.keys(RESOURCES)
          .filter((gv) => gv.includes('/'))
          .map((gv) => ({
            name: gv.split('/')[0],
            versions: [{ groupVersion: gv, version: gv.split('/')[1] }],
            preferredVersion: { groupVersion: gv, version: gv.split('/')[1] },
          })),
      });
    }
    const r = route(url.pathname);
    if (!r || !RESOURCES[r.groupVersion])
      return status(
        res,
        404,
        'NotFound',
        `the server could not find the requested resource (${req.method} ${url.pathname})`,
      );
    if (!r.plural) {
      return send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: r.groupVersion,
        resources: RESOURCES[r.groupVersion].map(([name, kind, namespaced]) => ({
          name,
          singularName: kind.toLowerCase(),
          namespaced,
          kind,
          verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
        })),
      });
    }
    if (!r.resource)
      return status(res, 404, 'NotFound', `the server could not find the requested resource ${r.plural}`);
    const key = `${r.groupVersion}/${r.plural}/${r.namespace ?? ''}/${r.name}`;
    if (req.method === 'PATCH') {
      if (req.headers['content-type'] !== 'application/apply-patch+yaml')
        return status(
          res,
          415,
          'UnsupportedMediaType',
          `only server-side apply is served here, not ${req.headers['content-type']}`,
        );
      return apply(res, url, r, body);
    }
    if (req.method === 'DELETE') {
      authorize(r, 'delete');
      return remove(res, r);
    }
    if (req.method === 'GET' && r.name) {
      authorize(r, 'get');
      const object = store.get(key);
      return object
        ? send(res, 200, object)
        : status(res, 404, 'NotFound', `${r.plural} "${r.name}" not found`);
    }
    if (req.method === 'GET' && r.plural === 'pods') {
      authorize(r, 'list');
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: podsOf(r.namespace) });
    }
    if (req.method === 'GET') {
      authorize(r, 'list');
      const prefix = `${r.groupVersion}/${r.plural}/${r.namespace ?? ''}`;
      const items = [...store.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .map(([, o]) => o)
        .filter((o) => matches(o, url.searchParams.get('labelSelector')));
      return send(res, 200, {
        kind: `${r.resource[1]}List`,
        apiVersion: r.groupVersion,
        metadata: { resourceVersion: String(state.applies) },
        items,
      });
    }
    status(res, 405, 'MethodNotAllowed', `${req.method} is not served by this fake`);
  });
});

server.listen(Number(process.env.FAKE_KUBE_PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
