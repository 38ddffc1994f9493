// One pipeline run per working copy at a time, across processes: an exclusive lock file holding the
// owner's pid. A lock whose owner no longer exists (a killed run) is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

export class RunLockedError extends Error {
  override name = 'RunLockedError';
}

export interface RunLock {
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

export function acquireRunLock(path: string): RunLock {
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
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new RunLockedError(`another pipeline run (pid ${owner}) is using this working copy (lock ${path})`);
      }
      try {
        unlinkSync(path);
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
