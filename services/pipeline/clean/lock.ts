// One writer per data dir (core pid lock); a second open in the same process is refused too.
import { join } from 'node:path';
import { acquirePidLock } from '../../core/pid-lock.ts';

const held = new Set<string>();

export interface DirLock {
  release(): void;
}

export function lockDataDir(dir: string): DirLock {
  const path = join(dir, '.clean.lock');
  if (held.has(path)) throw new Error(`data dir ${dir} is already open in this process`);
  const lock = acquirePidLock(path, (owner) => `data dir ${dir} is in use by process ${owner} (lock ${path})`);
  held.add(path);
  return {
    release() {
      if (!held.delete(path)) return;
      lock.release();
    },
  };
}
