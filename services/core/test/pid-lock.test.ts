import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquirePidLock, LockedError } from '../pid-lock.ts';
import { currentProcessIdentity, formatIdentity, readIdentityFile } from '../process-identity.ts';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pid-lock-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('acquirePidLock', () => {
  it('creates the lock folder when it is missing (a fresh clone has no var/)', () => {
    const path = join(tmp(), 'var', 'nested', 'state.lock');
    const lock = acquirePidLock(path, (pid) => `held by ${pid}`);
    expect(readIdentityFile(path)).toEqual(currentProcessIdentity());
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a lock held by a live process and takes over one left by a dead process', () => {
    const path = join(tmp(), 'state.lock');
    writeFileSync(path, `${process.ppid}\n`);
    expect(() => acquirePidLock(path, (pid) => `held by ${pid}`)).toThrow(LockedError);
    writeFileSync(path, '999999999\n');
    const lock = acquirePidLock(path, (pid) => `held by ${pid}`);
    expect(readIdentityFile(path)).toEqual(currentProcessIdentity());
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (pid reuse after a restart)', () => {
    const path = join(tmp(), 'state.lock');
    const me = currentProcessIdentity();
    writeFileSync(path, formatIdentity({ pid: process.ppid, startTicks: me.startTicks! + 1 }));
    const lock = acquirePidLock(path, (pid) => `held by ${pid}`);
    expect(readIdentityFile(path)).toEqual(me);
    lock.release();
  });
});
