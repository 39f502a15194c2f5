/**
 * A process that owns a local runtime with a warm pool, for the tests that kill it:
 * - `hold <state dir>`: prints the standby pids (one JSON line) once the pool is full, then waits.
 * - `deploy <state dir> <spec JSON file>`: deploys that spec through the pool (with
 *   FAULT_INJECTION=runtime.local.handover it dies mid hand-over).
 * - `deploy-cold <state dir> <spec JSON file>`: the same without a pool (FAULT_INJECTION=
 *   runtime.local.spawned: it dies between starting the process and recording its pid).
 */
import { readFileSync } from 'node:fs';
import { InstanceSpec, LocalRuntime } from '@app/runtime';

async function main(): Promise<void> {
  const [mode, stateDir, specFile] = process.argv.slice(2);
  const warmInstances = { hold: 2, deploy: 1 }[mode] ?? 0;
  const runtime = new LocalRuntime(stateDir, { warmInstances });
  runtime.start();
  await runtime.warmedUp();
  process.stdout.write(`${JSON.stringify(runtime.standbyProcesses())}\n`);
  if (mode.startsWith('deploy')) {
    await runtime.deploy(JSON.parse(readFileSync(specFile, 'utf8')) as InstanceSpec);
    runtime.close();
    return;
  }
  setInterval(() => undefined, 60_000);
}

void main();
