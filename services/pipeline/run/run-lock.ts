// One pipeline run per working copy at a time, across processes (core pid lock).
import { acquirePidLock, LockedError, type PidLock } from '../../core/pid-lock.ts';

export class RunLockedError extends LockedError {}

export type RunLock = PidLock;

export function acquireRunLock(path: string): RunLock {
  try {
    return acquirePidLock(path, (owner) => `another pipeline run (pid ${owner}) is using this working copy (lock ${path})`);
  } catch (err) {
    if (err instanceof LockedError) throw new RunLockedError(err.message, err.owner);
    throw err;
  }
}
