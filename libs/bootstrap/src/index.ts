/**
 * The contract between the control plane and an inbox instance, with no dependencies so that both
 * sides (and the instance's image) import the same definitions: the bootstrap environment, the
 * warm-pool hand-over and the Node options every instance runs with.
 */
export * from './bootstrap-env';
export * from './standby-protocol';
export * from './node-options';
