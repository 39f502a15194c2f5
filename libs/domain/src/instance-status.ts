/**
 * The statuses a partner sees (DESIGN.md): accepted → provisioning → starting → ready, or failed;
 * deleting → deleted. See docs/instance-lifecycle.md for who moves an instance between them.
 */
export const INSTANCE_STATUSES = [
  'accepted',
  'provisioning',
  'starting',
  'ready',
  'failed',
  'deleting',
  'deleted',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** Statuses that hold a subdomain and a channel: everything until teardown has finished. */
export const isLive = (status: InstanceStatus): boolean => status !== 'deleted';

/** Statuses that count against the partner's live-instance quota. */
export const countsAgainstQuota = (status: InstanceStatus): boolean =>
  status !== 'deleting' && status !== 'deleted';
