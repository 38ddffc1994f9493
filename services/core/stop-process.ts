// Stopping a process and waiting until it has gone. Processes are followed by identity (pid and
// start time, process-identity.ts), so a pid the system hands to a new process meanwhile is never
// signalled or waited on.
import { setTimeout as sleep } from 'node:timers/promises';
import { identify, isRunning, type ProcessIdentity } from './process-identity.ts';

export interface StopOptions {
  /** The polite signal; default SIGTERM. */
  signal?: NodeJS.Signals;
  /** How long the process may take to go after `signal` before it gets SIGKILL. */
  graceMs: number;
  /** Signal the process group the process leads (a detached child and everything it started). */
  group?: boolean;
}

/** Sends `signal`, waits up to `graceMs` for the process to go, then SIGKILLs it; resolves once it is gone. */
export async function stopProcess(target: number | ProcessIdentity, o: StopOptions): Promise<void> {
  const id = typeof target === 'number' ? identify(target) : target;
  const send = (signal: NodeJS.Signals) => {
    try {
      process.kill(o.group ? -id.pid : id.pid, signal);
    } catch {
      try {
        if (o.group) process.kill(id.pid, signal); // not a group leader after all
      } catch {
        // already gone
      }
    }
  };
  if (!isRunning(id)) return;
  send(o.signal ?? 'SIGTERM');
  const deadline = Date.now() + o.graceMs;
  while (isRunning(id) && Date.now() < deadline) await sleep(25);
  if (!isRunning(id)) return;
  send('SIGKILL');
  while (isRunning(id)) await sleep(20);
}

/** Resolves once none of `ids` runs, or after `timeoutMs`; returns the ones still running. */
export async function waitForExit(ids: ProcessIdentity[], timeoutMs: number): Promise<ProcessIdentity[]> {
  const deadline = Date.now() + timeoutMs;
  let running = ids.filter(isRunning);
  while (running.length && Date.now() < deadline) {
    await sleep(25);
    running = running.filter(isRunning);
  }
  return running;
}
