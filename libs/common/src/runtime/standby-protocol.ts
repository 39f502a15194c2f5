/**
 * The hand-over between the local runtime and a pre-started ("warm") inbox process, over Node's
 * IPC channel. The process is started with STANDBY_FLAG and no tenant environment, loads its code,
 * says `standby`, and waits. The runtime sends `bootstrap` with the instance's environment; the
 * process answers `claimed`, drops the channel (from then on it outlives the worker like any
 * instance) and boots. A standby process whose channel closes before a hand-over exits.
 */
export const STANDBY_FLAG = '--standby';

export interface BootstrapMessage {
  type: 'bootstrap';
  env: Record<string, string>;
}

export type StandbyMessage = { type: 'standby' } | { type: 'claimed' };
