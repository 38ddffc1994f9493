// An exclusive lock file holding the owner's pid, across processes. A lock whose owner no longer
// exists (a killed process) is taken over, so a crash never wedges the next run.
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { MarqueeError } from './errors.ts';

export class LockedError extends MarqueeError {
  constructor(message: string, readonly owner: number) {
    super('LOCKED', message);
  }
}

export interface PidLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock at `path` or throws LockedError with `describe(ownerPid)` as its message. */
export function acquirePidLock(path: string, describe: (owner: number) => string): PidLock {
  // A fresh clone has no var/ yet.
  mkdirSync(dirname(path), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      let owner = Number.NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // removed in between: try again
      }
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) throw new LockedError(describe(owner), owner);
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
