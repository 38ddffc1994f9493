// Who a process is, across restarts: its pid and the time it started. A pid alone is not enough:
// pids are reused, and a container restarted after a crash runs its new process under the very
// pid the dead one had. The start time (field 22 of /proc/<pid>/stat, in clock ticks since boot)
// tells the two apart.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot; null where /proc is not available. */
  startTicks: number | null;
}

/** The start time of `pid` in clock ticks since boot, or null (no such process, or no /proc). */
export function processStartTicks(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

export function currentProcessIdentity(): ProcessIdentity {
  return { pid: process.pid, startTicks: processStartTicks(process.pid) };
}

/** True when the process `id` names still runs (the same process, not a reuse of its pid). */
export function isRunning(id: ProcessIdentity): boolean {
  if (id.pid === process.pid) return id.startTicks === processStartTicks(process.pid);
  const ticks = processStartTicks(id.pid);
  if (ticks !== null) return id.startTicks === null || ticks === id.startTicks;
  // No /proc entry: either gone, or a system without /proc, where signal 0 is all there is.
  try {
    process.kill(id.pid, 0);
    return id.startTicks === null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' && id.startTicks === null;
  }
}
