/**
 * The Kubernetes objects of one instance, in apply order: its own namespace (restricted pod
 * security), the bootstrap Secret, a Deployment, a Service, an Ingress, a default-deny
 * NetworkPolicy with the allowances an inbox needs, a ResourceQuota and a LimitRange.
 */
import { createHash } from 'node:crypto';
import { InstanceSpec } from '../runtime-driver';
import { KubernetesSettings, LABELS, MANAGED_BY } from './kubernetes-settings';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

export const APP = 'inbox';
const PORT = 8000;
const HEALTH_PATH = '/api/v1/status/health';

/** Label values: at most 63 characters, alphanumeric at both ends. */
const labelValue = (value: string) => value.slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'x';

export function namespaceOf(settings: KubernetesSettings, instanceId: string): string {
  return `${settings.namespacePrefix}${instanceId}`;
}

export function instanceManifests(settings: KubernetesSettings, spec: InstanceSpec): KubeObject[] {
  const namespace = namespaceOf(settings, spec.instanceId);
  const labels = {
    [LABELS.managedBy]: MANAGED_BY,
    [LABELS.partner]: labelValue(spec.partnerId ?? 'unknown'),
    [LABELS.instance]: spec.instanceId,
  };
  const selector = { 'app.kubernetes.io/name': APP };
  const host = `${spec.subdomain}.${settings.baseDomain.replace(/:\d+$/, '')}`;
  // Seed 002's websocket host, served by the same pods (the Partner API reserves the prefix).
  const websocketHost = `websockets-${host}`;
  const env = { ...spec.env, PORT: String(PORT) };
  // A changed environment must roll the pods: its hash goes into the pod template.
  const envHash = createHash('sha256')
    .update(JSON.stringify(Object.entries(env).sort()))
    .digest('hex')
    .slice(0, 16);
  const meta = (name: string) => ({ name, namespace, labels });
  const { resources } = settings;

  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          ...labels,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
        },
      },
    },
    { apiVersion: 'v1', kind: 'Secret', metadata: meta('inbox-bootstrap'), type: 'Opaque', stringData: env },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(APP),
      spec: {
        replicas: 1,
        progressDeadlineSeconds: Math.max(30, Math.round(settings.rolloutTimeoutMs / 1000)),
        revisionHistoryLimit: 2,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels: { ...labels, ...selector },
            annotations: { 'partner-platform.io/env-sha256': envHash },
          },
          spec: {
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 10001,
              runAsGroup: 10001,
              fsGroup: 10001,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name: APP,
                image: `${settings.image}:${settings.imageTag}`,
                imagePullPolicy: 'IfNotPresent',
                ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
                envFrom: [{ secretRef: { name: 'inbox-bootstrap' } }],
                readinessProbe: {
                  httpGet: { path: HEALTH_PATH, port: 'http' },
                  periodSeconds: 5,
                  failureThreshold: 3,
                },
                livenessProbe: {
                  httpGet: { path: HEALTH_PATH, port: 'http' },
                  initialDelaySeconds: 10,
                  periodSeconds: 20,
                  failureThreshold: 3,
                },
                resources: {
                  requests: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
                  limits: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
                },
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  capabilities: { drop: ['ALL'] },
                },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(APP),
      spec: { selector, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        ...meta(APP),
        annotations: settings.clusterIssuer
          ? { 'cert-manager.io/cluster-issuer': settings.clusterIssuer }
          : {},
      },
      spec: {
        ingressClassName: settings.ingressClass,
        ...(settings.clusterIssuer
          ? { tls: [{ hosts: [host, websocketHost], secretName: 'inbox-tls' }] }
          : {}),
        rules: [host, websocketHost].map((ruleHost) => ({
          host: ruleHost,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: APP, port: { name: 'http' } } },
              },
            ],
          },
        })),
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('default-deny-with-allowances'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        ingress: [
          {
            from: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': settings.ingressControllerNamespace },
                },
              },
              // The control plane's health check through the Service.
              { namespaceSelector: { matchLabels: { [LABELS.managedBy]: `${MANAGED_BY}-control-plane` } } },
            ],
            ports: [{ port: PORT, protocol: 'TCP' }],
          },
        ],
        egress: [
          {
            to: [{ namespaceSelector: {}, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
            ports: [
              { port: 53, protocol: 'UDP' },
              { port: 53, protocol: 'TCP' },
            ],
          },
          { to: [{ ipBlock: { cidr: settings.databaseCidr } }], ports: [{ port: 5432, protocol: 'TCP' }] },
          { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ port: 443, protocol: 'TCP' }] },
        ],
      },
    },
    {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta('inbox-quota'),
      spec: {
        hard: {
          pods: '4',
          'requests.cpu': '1',
          'requests.memory': '1Gi',
          'limits.cpu': '2',
          'limits.memory': '2Gi',
          services: '2',
          'services.loadbalancers': '0',
          'services.nodeports': '0',
          persistentvolumeclaims: '0',
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta('inbox-limits'),
      spec: {
        limits: [
          {
            type: 'Container',
            default: { cpu: resources.cpuLimit, memory: resources.memoryLimit },
            defaultRequest: { cpu: resources.cpuRequest, memory: resources.memoryRequest },
            max: { cpu: '2', memory: '1Gi' },
          },
        ],
      },
    },
  ];
}
