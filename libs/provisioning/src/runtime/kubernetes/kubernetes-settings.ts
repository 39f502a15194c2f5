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
