import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquirePidLock, LockedError } from '../pid-lock.ts';

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
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a lock held by a live process and takes over one left by a dead process', () => {
    const path = join(tmp(), 'state.lock');
    writeFileSync(path, `${process.ppid}\n`);
    expect(() => acquirePidLock(path, (pid) => `held by ${pid}`)).toThrow(LockedError);
    writeFileSync(path, '999999999\n');
    const lock = acquirePidLock(path, (pid) => `held by ${pid}`);
    expect(readFileSync(path, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });
});
