// Who a process is, across restarts: its pid and the time it started. A pid alone is not enough:
// pids are reused, and a container restarted after a crash runs its new process under the very
// pid the dead one had. The start time (field 22 of /proc/<pid>/stat, in clock ticks since boot)
// tells the two apart.
import { readFileSync, writeFileSync } from 'node:fs';
import { readProcessStat } from './process-stat.ts';

export interface ProcessIdentity {
  pid: number;
  /** Start time in clock ticks since boot; null where /proc is not available. */
  startTicks: number | null;
}

/** The start time of `pid` in clock ticks since boot, or null (no such process, or no /proc). */
export function processStartTicks(pid: number): number | null {
  return readProcessStat(pid)?.startTicks ?? null;
}

/** The identity of the process running as `pid` now (startTicks null when it is gone or there is no /proc). */
export function identify(pid: number): ProcessIdentity {
  return { pid, startTicks: processStartTicks(pid) };
}

export function currentProcessIdentity(): ProcessIdentity {
  return identify(process.pid);
}

/**
 * True when the process `id` names still runs (the same process, not a reuse of its pid). With
 * startTicks null (a pid recorded without its start time) any process under that pid counts.
 */
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

/** True when some process runs under `pid`; prefer isRunning with a recorded identity. */
export function pidRunning(pid: number): boolean {
  return isRunning({ pid, startTicks: null });
}

/** The text an identity is recorded as in a file (JSON, one line). */
export function formatIdentity(id: ProcessIdentity): string {
  return `${JSON.stringify({ pid: id.pid, startTicks: id.startTicks })}\n`;
}

/** An identity recorded by formatIdentity, or a bare pid (start time unknown); null for anything else. */
export function parseIdentity(text: string): ProcessIdentity | null {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed), startTicks: null };
  try {
    const o = JSON.parse(trimmed) as Partial<ProcessIdentity>;
    const ticks = o.startTicks ?? null;
    return Number.isInteger(o.pid) && o.pid! > 0 && (ticks === null || Number.isFinite(ticks)) ? { pid: o.pid!, startTicks: ticks } : null;
  } catch {
    return null;
  }
}

export function writeIdentityFile(path: string, id: ProcessIdentity): void {
  writeFileSync(path, formatIdentity(id));
}

/** The identity recorded in `path`; null when the file is missing or holds none. */
export function readIdentityFile(path: string): ProcessIdentity | null {
  try {
    return parseIdentity(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
