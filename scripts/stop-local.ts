/**
 * `npm run stop:local`: stops what `npm run start:local` started, tenant instances included.
 * The supervisor (and with it the API, worker, gateway and mail catcher) gets SIGTERM; then each
 * instance process is stopped, its record kept, so the next start:local starts it again with its
 * data. PostgreSQL and Redis keep running (scripts/services.sh started them; other projects may
 * use them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalRuntime } from '@app/runtime';

const stateDir = process.env.LOCAL_STATE_DIR ?? '.local';

/** Alive and still the supervisor (a recycled pid is someone else's). */
const supervisorAlive = (pid: number): boolean => {
  try {
    return (
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('supervise.ts') &&
      !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')
    );
  } catch {
    return false;
  }
};

async function stopSupervisor(): Promise<boolean> {
  const pidFile = join(stateDir, 'supervisor.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  if (!pid || !supervisorAlive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  // The supervisor gives its components 10 s before SIGKILL.
  for (let waited = 0; waited < 15_000 && supervisorAlive(pid); waited += 100)
    await new Promise((r) => setTimeout(r, 100));
  if (supervisorAlive(pid)) process.kill(pid, 'SIGKILL');
  return true;
}

async function main(): Promise<void> {
  const supervisor = await stopSupervisor();
  process.stdout.write(supervisor ? 'Stopped the control plane.\n' : 'The control plane was not running.\n');
  const runtime = new LocalRuntime(stateDir);
  let stopped = 0;
  for (const { instanceId } of runtime.list()) if (await runtime.stopInstance(instanceId)) stopped++;
  process.stdout.write(
    `Stopped ${stopped} tenant instance(s); npm run start:local starts them again. ` +
      'PostgreSQL and Redis keep running.\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`stop:local failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
