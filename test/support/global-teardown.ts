import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { REPO } from './processes';

/** Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
function startTicks(pid: number | 'self'): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
}

function belongsToRepo(pid: number): boolean {
  try {
    return (
      readlinkSync(`/proc/${pid}/cwd`) === REPO || readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(REPO)
    );
  } catch {
    return false; // gone, or not ours to read
  }
}

/**
 * Processes of this repository started during this run and still running: a test that failed
 * before its cleanup leaves them, and their open pipes would keep jest from ever exiting (CI then
 * hangs until its time limit). Named loudly, then killed; processes started before the run (a
 * developer's own start:local) are left alone.
 */
export default function globalTeardown(): void {
  const runStarted = startTicks('self');
  const leftovers = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => pid !== process.pid && belongsToRepo(pid))
    .filter((pid) => {
      try {
        return startTicks(pid) > runStarted;
      } catch {
        return false;
      }
    });
  for (const pid of leftovers) {
    let command = '?';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      process.kill(pid, 'SIGKILL');
    } catch {
      continue; // exited meanwhile
    }
    console.warn(`[global-teardown] killed pid ${pid} left running by a test: ${command.slice(0, 200)}`);
  }
}
