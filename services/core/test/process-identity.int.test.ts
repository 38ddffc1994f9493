import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { currentProcessIdentity, formatIdentity, isRunning, parseIdentity, pidRunning, processStartTicks } from '../process-identity.ts';

describe('process identity', () => {
  it('tells this process from an earlier one that had the same pid', () => {
    const me = currentProcessIdentity();
    expect(me.startTicks).toBeGreaterThan(0);
    expect(isRunning(me)).toBe(true);
    // A container restarted after a crash: the new process has the dead one's pid.
    expect(isRunning({ pid: me.pid, startTicks: me.startTicks! - 1 })).toBe(false);
  });

  it('sees another running process, and not one that has exited', () => {
    expect(isRunning({ pid: process.ppid, startTicks: processStartTicks(process.ppid) })).toBe(true);
    expect(isRunning({ pid: process.ppid, startTicks: 1 })).toBe(false);
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const gone = Number(child.stdout.toString());
    expect(processStartTicks(gone)).toBeNull();
    expect(isRunning({ pid: gone, startTicks: 12345 })).toBe(false);
  });
});

describe('recorded identities', () => {
  it('round-trips through its text, and reads a bare pid as one of unknown start time', () => {
    const me = currentProcessIdentity();
    expect(parseIdentity(formatIdentity(me))).toEqual(me);
    expect(parseIdentity('4242\n')).toEqual({ pid: 4242, startTicks: null });
    expect(parseIdentity('')).toBeNull();
    expect(parseIdentity('{"pid":-1,"startTicks":3}')).toBeNull();
  });

  it('counts any process under a pid when its start time is unknown', () => {
    expect(pidRunning(process.ppid)).toBe(true);
    expect(pidRunning(999_999_999)).toBe(false);
  });
});
