import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { currentProcessIdentity, isRunning, processStartTicks } from '../process-identity.ts';

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
