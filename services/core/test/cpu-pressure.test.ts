import { afterEach, describe, expect, it, vi } from 'vitest';
import { busyFraction, hostCpuPressure, parseProcStat } from '../provenance/cpu-pressure.ts';

// The shape of /proc/stat on Linux (2 cores; fields: user nice system idle iowait irq softirq steal guest guest_nice).
const stat = (user: number, idle: number, iowait = 0, guest = 0) =>
  `cpu  ${user} 0 0 ${idle} ${iowait} 0 0 0 ${guest} 0\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 123\nctxt 456\n`;

describe('parseProcStat', () => {
  it('reads the aggregate line: idle counts iowait, the total leaves out guest time', () => {
    expect(parseProcStat(stat(700, 200, 100, 50))).toEqual({ idle: 300, total: 1000 });
  });

  it('accepts the short line of old kernels (four fields)', () => {
    expect(parseProcStat('cpu  10 20 30 40\n')).toEqual({ idle: 40, total: 100 });
  });

  it('gives undefined for text without an aggregate cpu line', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('cpu0 1 2 3 4\n')).toBeUndefined();
    expect(parseProcStat('cpu  1 2\n')).toBeUndefined();
  });
});

describe('busyFraction', () => {
  it('is the busy share of the time between two readings', () => {
    expect(busyFraction({ idle: 100, total: 1000 }, { idle: 150, total: 1200 })).toBeCloseTo(0.75);
    expect(busyFraction({ idle: 100, total: 1000 }, { idle: 300, total: 1200 })).toBe(0);
    expect(busyFraction({ idle: 100, total: 1000 }, { idle: 100, total: 1200 })).toBe(1);
  });

  it('is 0 when no time passed (or the counters went backwards)', () => {
    expect(busyFraction({ idle: 1, total: 10 }, { idle: 1, total: 10 })).toBe(0);
    expect(busyFraction({ idle: 1, total: 10 }, { idle: 0, total: 5 })).toBe(0);
  });
});

describe('hostCpuPressure', () => {
  afterEach(() => vi.useRealTimers());

  it('turns on when an interval is at least `threshold` busy and off again when it is not', () => {
    vi.useFakeTimers();
    const readings = [stat(0, 0), stat(95, 5), stat(95, 105), stat(195, 105)];
    let i = 0;
    const p = hostCpuPressure({ threshold: 0.9, intervalMs: 100, read: () => readings[Math.min(i++, readings.length - 1)] });
    expect(p.underPressure()).toBe(false); // nothing measured yet
    vi.advanceTimersByTime(100);
    expect(p.busy()).toBeCloseTo(0.95);
    expect(p.underPressure()).toBe(true);
    vi.advanceTimersByTime(100);
    expect(p.busy()).toBe(0);
    expect(p.underPressure()).toBe(false);
    vi.advanceTimersByTime(100);
    expect(p.underPressure()).toBe(true);
    p.stop();
  });

  it('never reports pressure where the counters cannot be read, and says so once', () => {
    const said: string[] = [];
    const p = hostCpuPressure({
      threshold: 0.5,
      read: () => {
        throw new Error('ENOENT');
      },
      onUnavailable: (r) => said.push(r),
    });
    expect(p.underPressure()).toBe(false);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/never deferred/);
  });

  it('refuses a threshold outside (0, 1]', () => {
    expect(() => hostCpuPressure({ threshold: 0, read: () => stat(0, 0) })).toThrow(/threshold/);
    expect(() => hostCpuPressure({ threshold: 1.5, read: () => stat(0, 0) })).toThrow(/threshold/);
  });
});
