// An exclusive lock file holding the owner's identity (pid and start time), across processes. A
// lock whose owner no longer runs (a killed process, or a pid since reused) is taken over, so a
// crash never wedges the next run.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { currentProcessIdentity, formatIdentity, isRunning, parseIdentity, type ProcessIdentity } from './process-identity.ts';
import { MarqueeError } from './errors.ts';

export class LockedError extends MarqueeError {
  readonly owner: number;

  constructor(message: string, owner: number) {
    super('LOCKED', message);
    this.owner = owner;
  }
}

export interface PidLock {
  readonly path: string;
  release(): void;
}

/** Takes the lock at `path` or throws LockedError with `describe(ownerPid)` as its message. */
export function acquirePidLock(path: string, describe: (owner: number) => string): PidLock {
  // A fresh clone has no var/ yet.
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, formatIdentity(currentProcessIdentity()));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      let owner: ProcessIdentity | null = null;
      try {
        owner = parseIdentity(readFileSync(path, 'utf8'));
      } catch {
        // removed in between: try again
      }
      if (owner && isRunning(owner)) throw new LockedError(describe(owner.pid), owner.pid);
      try {
        unlinkSync(path); // stale
      } catch {
        // someone else took it over first; the retry will tell
      }
    }
  }
  let held = true;
  return {
    path,
    release() {
      if (!held) return;
      held = false;
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
