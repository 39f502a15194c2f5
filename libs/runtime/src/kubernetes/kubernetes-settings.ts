import type { PlatformConfig } from '@app/config';

/** What the Kubernetes runtime needs from the platform configuration (K8S_* and INBOX_* variables). */
export interface KubernetesSettings {
  /** Namespaces are `{prefix}{instance id}`. */
  namespacePrefix: string;
  image: string;
  imageTag: string;
  baseDomain: string;
  publicScheme: 'http' | 'https';
  ingressClass: string;
  /** cert-manager ClusterIssuer; when set, the Ingress gets TLS and the issuer annotation. */
  clusterIssuer?: string;
  /** Namespace of the ingress controller, allowed in by the NetworkPolicy. */
  ingressControllerNamespace: string;
  /** Where the tenant databases live (egress allowed there, port 5432). */
  databaseCidr: string;
  resources: { cpuRequest: string; memoryRequest: string; cpuLimit: string; memoryLimit: string };
  /**
   * Where the control plane checks an instance's health: `{namespace}`, `{subdomain}` and
   * `{base_domain}` are filled in. Default: the in-cluster Service, `http://inbox.{namespace}.svc`;
   * through the public URL: `https://{subdomain}.{base_domain}`.
   */
  healthUrlTemplate: string;
  rolloutTimeoutMs: number;
  /** How often the rollout wait reads the Deployment. */
  pollIntervalMs: number;
  /** One API request may take this long (then: a retryable error). */
  apiTimeoutMs: number;
  /** Our field manager for server-side apply. */
  fieldManager: string;
}

export const LABELS = {
  managedBy: 'app.kubernetes.io/managed-by',
  partner: 'partner-platform.io/partner',
  instance: 'partner-platform.io/instance',
} as const;
export const MANAGED_BY = 'partner-platform';

/** The runtime's settings from the platform configuration (K8S_*, INBOX_*, BASE_DOMAIN). */
export function kubernetesSettings(config: PlatformConfig): KubernetesSettings {
  return {
    namespacePrefix: config.K8S_NAMESPACE_PREFIX,
    image: config.INBOX_IMAGE,
    imageTag: config.INBOX_IMAGE_TAG,
    baseDomain: config.BASE_DOMAIN,
    publicScheme: config.PUBLIC_SCHEME,
    ingressClass: config.K8S_INGRESS_CLASS,
    clusterIssuer: config.K8S_CLUSTER_ISSUER,
    ingressControllerNamespace: config.K8S_INGRESS_CONTROLLER_NAMESPACE,
    databaseCidr: config.K8S_DATABASE_CIDR,
    resources: {
      cpuRequest: config.INBOX_CPU_REQUEST,
      memoryRequest: config.INBOX_MEMORY_REQUEST,
      cpuLimit: config.INBOX_CPU_LIMIT,
      memoryLimit: config.INBOX_MEMORY_LIMIT,
    },
    healthUrlTemplate: config.K8S_HEALTH_URL,
    rolloutTimeoutMs: config.K8S_ROLLOUT_TIMEOUT_MS,
    pollIntervalMs: 1000,
    apiTimeoutMs: config.K8S_API_TIMEOUT_MS,
    fieldManager: 'partner-platform',
  };
}
