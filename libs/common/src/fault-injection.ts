/**
 * Crash points for the crash-safety tests: with FAULT_INJECTION="point1,point2" and
 * FAULT_MARKER_DIR set, the process kills itself (SIGKILL, no cleanup) the first time it reaches
 * each listed point; a marker file makes every point fire once across restarts. Unset (always, in
 * production) this is a no-op.
 */
import { mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

const points = new Set((process.env.FAULT_INJECTION ?? '').split(',').filter(Boolean));

export function crashPoint(point: string): void {
  if (!points.has(point) || !process.env.FAULT_MARKER_DIR) return;
  mkdirSync(process.env.FAULT_MARKER_DIR, { recursive: true });
  try {
    closeSync(openSync(join(process.env.FAULT_MARKER_DIR, point), 'wx'));
  } catch {
    return; // fired before
  }
  process.stderr.write(`fault injection: crashing at ${point}\n`);
  process.kill(process.pid, 'SIGKILL');
}
