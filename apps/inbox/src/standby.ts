import { BootstrapMessage, StandbyMessage, claimedProcessTitle } from '@app/bootstrap';

/**
 * Standby mode (the local runtime's warm pool): the code is loaded, the tenant is not known yet.
 * Waits for the bootstrap environment over IPC, then calls `boot` with the moment of the hand-over
 * (the instance's boot-to-healthy counts from there); says `listening` once `boot` has resolved
 * and lets go of the channel. Exits if the runtime goes away before the hand-over.
 */
export function awaitHandOver(boot: (handedOverAt: number) => Promise<void>): void {
  const send = process.send?.bind(process);
  if (!send) {
    process.stderr.write('inbox --standby needs an IPC channel to the runtime that started it\n');
    process.exit(2);
  }
  let claimed = false;
  process.once('disconnect', () => {
    if (!claimed) process.exit(0); // the runtime died before handing over: nobody will
  });
  process.once('message', (message: BootstrapMessage) => {
    if (message?.type !== 'bootstrap' || typeof message.env !== 'object') {
      process.stderr.write('inbox --standby: expected a bootstrap message\n');
      process.exit(2);
    }
    claimed = true;
    const handedOverAt = performance.now();
    Object.assign(process.env, message.env);
    // `ps` tells a tenant from a spare (and shows which tenant) from now on.
    if (message.env.INSTANCE_ID)
      process.title = claimedProcessTitle(process.argv[1], message.env.INSTANCE_ID);
    // From here on this process is the instance: it outlives the runtime if that dies now.
    send({ type: 'claimed' } satisfies StandbyMessage);
    void boot(handedOverAt).then(() => {
      if (process.connected) send({ type: 'listening' } satisfies StandbyMessage, () => process.disconnect());
    });
  });
  send({ type: 'standby' } satisfies StandbyMessage);
}
