import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import autocannon from 'autocannon';

export const REPO = resolve(__dirname, '..');

export function startTsProcess(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', entry],
    {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export interface LoadResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function load(name: string, options: autocannon.Options): Promise<LoadResult> {
  const result = await autocannon(options);
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export const pad = (value: string | number, width: number) => String(value).padStart(width);

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Fields of /proc/<pid>/stat after the command name (so field 1 is the parent pid), or undefined once it is gone. */
function procStat(pid: number | string): { command: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const end = stat.lastIndexOf(') ');
    return { command: stat.slice(stat.indexOf('(') + 1, end), fields: stat.slice(end + 2).split(' ') };
  } catch {
    return undefined;
  }
}

const seconds = (fields: string[], ...indexes: number[]) =>
  indexes.reduce((sum, i) => sum + Number(fields[i]), 0) / TICKS_PER_SECOND;
const UTIME = 11;
const STIME = 12;
const CUTIME = 13;
const CSTIME = 14;

const livePids = () => readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));

/** CPU seconds a process has used so far (user + system), from /proc; 0 once it is gone. */
export function processCpuSeconds(pid: number): number {
  const stat = procStat(pid);
  return stat ? seconds(stat.fields, UTIME, STIME) : 0;
}

/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait). */
export function machineBusySeconds(): number {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = ticks.map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** Live child processes of `ppid` (from /proc). */
export function childProcesses(ppid: number): number[] {
  return livePids()
    .filter((pid) => Number(procStat(pid)?.fields[1]) === ppid)
    .map(Number);
}

/**
 * CPU seconds PostgreSQL has used so far: its live processes plus the backends the postmaster has
 * reaped (cutime). A backend still alive counts in full, so take the difference of two readings.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const pid of livePids()) {
    const stat = procStat(pid);
    if (stat?.command !== 'postgres') continue;
    total += seconds(stat.fields, UTIME, STIME);
    // The postmaster (whose parent is not postgres) also carries its reaped backends.
    if (procStat(stat.fields[1])?.command !== 'postgres') total += seconds(stat.fields, CUTIME, CSTIME);
  }
  return total;
}
