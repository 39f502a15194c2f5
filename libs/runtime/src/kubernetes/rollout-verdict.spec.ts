import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutVerdict } from './kubernetes-runtime';

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
