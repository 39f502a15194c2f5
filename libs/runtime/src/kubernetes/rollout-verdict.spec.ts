import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { podFailure, rolloutVerdict } from './kubernetes-runtime';

const deployment = (reason: string, message: string): V1Deployment => ({
  metadata: { generation: 1 },
  spec: { replicas: 1 } as V1Deployment['spec'],
  status: {
    observedGeneration: 1,
    replicas: 0,
    updatedReplicas: 0,
    conditions: [{ type: 'ReplicaFailure', status: 'True', reason, message }],
  },
});

describe('rolloutVerdict', () => {
  it('fails at once on a quota that refuses the pod', () => {
    expect(
      rolloutVerdict(deployment('FailedCreate', 'pods "inbox-1" is forbidden: exceeded quota: no-pods'))
        .failed,
    ).toBe('FailedCreate (quota): pods "inbox-1" is forbidden: exceeded quota: no-pods');
  });
  it('keeps waiting while a new namespace has no default ServiceAccount yet (the controller retries)', () => {
    const verdict = rolloutVerdict(
      deployment(
        'FailedCreate',
        'pods "inbox-7c69c64694-" is forbidden: error looking up service account ns/default: serviceaccount "default" not found',
      ),
    );
    expect(verdict).toEqual({ waiting: '0 of 1 updated replicas' });
  });
});

describe('podFailure', () => {
  const pod = (
    waiting: string | undefined,
    terminated?: { exitCode: number; reason?: string; message?: string },
  ): V1Pod => ({
    metadata: { name: 'inbox-1' },
    status: {
      containerStatuses: [
        {
          name: 'inbox',
          image: 'inbox',
          imageID: '',
          ready: false,
          restartCount: 2,
          state: waiting ? { waiting: { reason: waiting } } : { running: {} },
          lastState: terminated ? { terminated } : {},
        },
      ],
    },
  });

  it('names a crash loop with its last exit and message', () => {
    expect(podFailure([pod('CrashLoopBackOff', { exitCode: 137, reason: 'OOMKilled' })])).toBe(
      'pod inbox-1: CrashLoopBackOff; last exit 137 (OOMKilled)',
    );
    expect(podFailure([pod('ImagePullBackOff')])).toBe('pod inbox-1: ImagePullBackOff');
  });

  it('waits on a pod that is still starting or running', () => {
    expect(podFailure([pod('ContainerCreating'), pod(undefined)])).toBeUndefined();
    expect(podFailure([])).toBeUndefined();
  });
});
