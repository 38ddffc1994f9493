// Linux's per-process status line, /proc/<pid>/stat (see `man 5 proc`): "pid (comm) state ppid ...".
// The command name (comm) may itself hold spaces or ')', so fields are counted from the last ')'.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of the times in /proc (USER_HZ; 100 on every Linux Node supports). */
export const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcessStat {
  /** Parent pid (field 4). */
  ppid: number;
  /** CPU time in user and kernel mode so far, in clock ticks (fields 14 and 15). */
  userTicks: number;
  systemTicks: number;
  /** When the process started, in clock ticks since boot (field 22). */
  startTicks: number;
}

/** The fields of one /proc/<pid>/stat text; null when it is not one. */
export function parseProcessStat(text: string): ProcessStat | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  // After ") " come field 3 (state), 4 (ppid), ...: field n is at index n - 3.
  const f = text.slice(close + 2).split(' ');
  const stat = { ppid: Number(f[1]), userTicks: Number(f[11]), systemTicks: Number(f[12]), startTicks: Number(f[19]) };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

/** /proc/<pid>/stat of a running process; null when there is no such process or no /proc. */
export function readProcessStat(pid: number): ProcessStat | null {
  try {
    return parseProcessStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) process `pid` has used so far; 0 once it is gone. */
export function cpuSeconds(pid: number): number {
  const stat = readProcessStat(pid);
  return stat ? (stat.userTicks + stat.systemTicks) / CLOCK_TICKS_PER_SECOND : 0;
}

/** Pids whose parent is `pid`; [] where /proc is unavailable. */
export function childPids(pid: number): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries.filter((name) => /^\d+$/.test(name) && readProcessStat(Number(name))?.ppid === pid).map(Number);
}

/** The first process whose command name (/proc/<pid>/comm) matches, if any (e.g. the local MariaDB). */
export function pidByCommand(name: RegExp): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (name.test(readFileSync(`/proc/${entry}/comm`, 'utf8').trim())) return Number(entry);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}
