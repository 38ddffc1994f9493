// One writer per data dir: a lock file holding the owner's pid. A lock left by a process that no
// longer exists (killed mid-ingest) is taken over.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const held = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DirLock {
  release(): void;
}

export function lockDataDir(dir: string): DirLock {
  const path = join(dir, '.clean.lock');
  if (held.has(path)) throw new Error(`data dir ${dir} is already open in this process`);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (attempt > 0) throw new Error(`data dir ${dir} is being locked by another process (lock ${path})`, { cause: err });
      let owner = NaN;
      try {
        owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
      } catch {
        // vanished in between: retry
      }
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new Error(`data dir ${dir} is in use by process ${owner} (lock ${path})`, { cause: err });
      }
      try {
        unlinkSync(path); // stale
      } catch {
        // someone else removed it
      }
    }
  }
  held.add(path);
  return {
    release() {
      if (!held.delete(path)) return;
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
