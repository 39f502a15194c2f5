/**
 * The hand-over between the local runtime and a pre-started ("warm") inbox process, over Node's
 * IPC channel. The process is started with STANDBY_FLAG and no tenant environment, loads its code,
 * says `standby`, and waits. The runtime sends `bootstrap` with the instance's environment; the
 * process answers `claimed` and boots; once it listens it says `listening` (the runtime checks
 * its health right then instead of at the next poll) and drops the channel. From `claimed` on it
 * is the instance and outlives the worker like any other; a standby process whose channel closes
 * before a hand-over exits.
 */
export const STANDBY_FLAG = '--standby';

export interface BootstrapMessage {
  type: 'bootstrap';
  env: Record<string, string>;
}

export type StandbyMessage = { type: 'standby' } | { type: 'claimed' } | { type: 'listening' };

/** Marks the command line of instances started cold (and of claimed standby processes, see below). */
export const instanceIdArgument = (instanceId: string): string => `--instance-id=${instanceId}`;

/**
 * A standby process is started with this placeholder after STANDBY_FLAG: Linux lets a process
 * retitle itself only within the bytes of its original command line, and the placeholder reserves
 * room for the instance id, so that a claimed process shows up in `ps` as its instance.
 */
export const STANDBY_TITLE_RESERVE = instanceIdArgument('_'.repeat(32));

/** The title a claimed standby process takes: what `ps` shows for an instance started cold. */
export const claimedProcessTitle = (entry: string, instanceId: string): string =>
  `${process.execPath} ${entry} ${instanceIdArgument(instanceId)}`;
