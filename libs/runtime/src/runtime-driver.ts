/**
 * Where instances run. `local` (child processes on this machine) is the embedded default;
 * `kubernetes` comes with the Kubernetes issue. Every call is idempotent: deploy of a running,
 * unchanged instance changes nothing; teardown of a missing one succeeds.
 */
export interface InstanceSpec {
  instanceId: string;
  subdomain: string;
  /** The owning partner (Kubernetes labels it on the namespace). */
  partnerId?: string;
  /** The bootstrap environment (DESIGN.md) except PORT, which the runtime chooses. Holds secrets. */
  env: Record<string, string>;
}

export interface RuntimeStatus {
  state: 'running' | 'stopped' | 'missing';
  /** Where the control plane reaches the instance from inside (for the health check). */
  internalUrl?: string;
  detail?: string;
  /** Resolves when the instance reports it listens (local warm processes): check health right then. A hint only. */
  listening?: Promise<void>;
}

export interface RuntimeDriver {
  readonly name: string;
  deploy(spec: InstanceSpec): Promise<RuntimeStatus>;
  status(instanceId: string): Promise<RuntimeStatus>;
  teardown(instanceId: string): Promise<void>;
  /**
   * Optional: why a deployed instance can no longer become healthy (its process exited), asked
   * during the health wait so a boot that crashed fails or retries at once, not at the deadline.
   */
  bootFailure?(instanceId: string): Promise<string | undefined>;
  /** Optional: called when the worker starts and stops (the local runtime's warm pool). */
  start?(): void;
  close?(): void;
}
