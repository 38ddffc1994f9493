// hostCpuPressure against the real /proc/stat: it keeps every core busy for 1.5 s on worker threads, so
// it runs with the integration tests; the pure parts are in cpu-pressure.test.ts.
import { describe, expect, it } from 'vitest';
import { hostCpuPressure } from '../provenance/cpu-pressure.ts';

describe('hostCpuPressure on this machine (/proc/stat)', () => {
  it('reads the real counters and sees every core kept busy as pressure', async () => {
    const { Worker } = await import('node:worker_threads');
    const { availableParallelism } = await import('node:os');
    const unavailable: string[] = [];
    const p = hostCpuPressure({ threshold: 0.9, intervalMs: 200, onUnavailable: (r) => unavailable.push(r) });
    const spin = 'const end = Date.now() + 1500; while (Date.now() < end);';
    const workers = Array.from({ length: availableParallelism() }, () => new Worker(spin, { eval: true }));
    try {
      await new Promise((r) => setTimeout(r, 900));
      expect(unavailable).toEqual([]);
      expect(p.busy()).toBeGreaterThanOrEqual(0.9);
      expect(p.underPressure()).toBe(true);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
      p.stop();
    }
  });
});
