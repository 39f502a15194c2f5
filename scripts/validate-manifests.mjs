/**
 * Validates rendered Kubernetes manifests (multi-document YAML on stdin, e.g. `helm template`)
 * against the official schemas (kubernetes-models). Custom resources without an official schema
 * (ServiceMonitor) get a structural check only. Exit 1 on the first invalid object, naming it.
 */
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as batch from 'kubernetes-models/batch/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as networking from 'kubernetes-models/networking.k8s.io/v1';
import * as rbac from 'kubernetes-models/rbac.authorization.k8s.io/v1';

const MODELS = {
  v1: core,
  'apps/v1': apps,
  'batch/v1': batch,
  'policy/v1': policy,
  'autoscaling/v2': autoscaling,
  'networking.k8s.io/v1': networking,
  'rbac.authorization.k8s.io/v1': rbac,
};
const STRUCTURAL_ONLY = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

let input = '';
process.stdin.on('data', (chunk) => (input += chunk));
process.stdin.on('end', () => {
  const counts = {};
  for (const doc of parseAllDocuments(input)) {
    const object = doc.toJSON();
    if (!object) continue;
    const id = `${object.apiVersion}/${object.kind} ${object.metadata?.name}`;
    const Model = MODELS[object.apiVersion]?.[object.kind];
    try {
      if (Model) new Model(object).validate();
      else if (STRUCTURAL_ONLY.has(`${object.apiVersion}/${object.kind}`)) {
        if (!object.metadata?.name || typeof object.spec !== 'object')
          throw new Error('needs metadata.name and spec');
      } else throw new Error('no schema known for this kind');
    } catch (error) {
      console.error(`invalid: ${id}: ${error.message}`);
      process.exit(1);
    }
    counts[object.kind] = (counts[object.kind] ?? 0) + 1;
  }
  console.log(
    `valid: ${Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
  );
});
