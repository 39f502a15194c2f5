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
