import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { childPids, cpuSeconds, parseProcessStat, pidByCommand, readProcessStat } from '../process-stat.ts';

// A real line, its command name made awkward: spaces and ')' inside the parentheses.
const LINE =
  '4242 (we ird) name) S 17 4242 4242 0 -1 4194560 1200 0 0 0 250 75 0 0 20 0 11 0 987654 1200000000 30000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 3 0 0 0 0 0\n';

describe('parseProcessStat', () => {
  it('counts fields from the last parenthesis, so a command name may hold spaces and )', () => {
    expect(parseProcessStat(LINE)).toEqual({ ppid: 17, userTicks: 250, systemTicks: 75, startTicks: 987654 });
  });

  it('answers null for text that is not a stat line', () => {
    expect(parseProcessStat('')).toBeNull();
    expect(parseProcessStat('12 (short) S 1 2')).toBeNull();
  });
});

describe('on this machine (/proc)', () => {
  it('reads this process: its parent, its CPU time, its start', () => {
    const me = readProcessStat(process.pid)!;
    expect(me.ppid).toBe(process.ppid);
    expect(me.startTicks).toBeGreaterThan(0);
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
    expect(readProcessStat(999_999_999)).toBeNull();
    expect(cpuSeconds(999_999_999)).toBe(0);
  });

  it('finds a process by its command name, and none for a name nothing runs under', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 100));
      const pid = pidByCommand(/^sleep$/);
      expect(pid).toBeDefined();
      expect(readFileSync(`/proc/${pid}/comm`, 'utf8').trim()).toBe('sleep');
      expect(pidByCommand(/^no-such-command-here$/)).toBeUndefined();
    } finally {
      child.kill();
    }
  });

  it('lists the children of a process', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      expect(childPids(process.pid)).toContain(child.pid);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
