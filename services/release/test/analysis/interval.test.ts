import { describe, expect, it } from 'vitest';
import { analyzeInterval, recordInterval, startRun, type MetricInput } from '../../analysis/index.ts';

const metrics = (canaryWatches: number, canaryRequests: number): MetricInput[] => [
  {
    kind: 'latency',
    spec: { name: 'latency', unit: 's' },
    data: { histogram: { upperBounds: [0.05, 0.1, 0.2, '+Inf'], baseline: [100, 300, 100, 0], canary: [100, 300, 100, 0] } },
  },
  {
    kind: 'proportion',
    spec: { name: 'server errors', harmful: 'increase', minimalDetectableEffect: { kind: 'absolute', value: 0.01 } },
    data: { baseline: { events: 0, total: 5000 }, canary: { events: 0, total: canaryRequests } },
  },
  {
    kind: 'proportion',
    spec: { name: 'watch-through', harmful: 'decrease', minimalDetectableEffect: { kind: 'absolute', value: 0.02 } },
    data: { baseline: { events: 600, total: 5000 }, canary: { events: canaryWatches, total: canaryRequests } },
  },
];
const config = { metrics: { 'server errors': { critical: true }, 'watch-through': { critical: true, weight: 2 } } };

describe('analyzeInterval', () => {
  it('judges every metric and decides; the decision feeds the run', () => {
    const ok = analyzeInterval({ metrics: metrics(600, 5000), canaryAvgLatencyMs: 80 }, config);
    expect(ok.verdicts.map((v) => v.verdict)).toEqual(['pass', 'pass', 'pass']);
    expect(ok).toMatchObject({ decision: 'pass', score: 100 });
    expect(recordInterval(startRun(), ok, { intervals: 1 }).status).toBe('succeeded');
  });

  it('a fast canary that recommends worse fails on watch-through', () => {
    const worse = analyzeInterval({ metrics: metrics(450, 5000), canaryAvgLatencyMs: 80 }, config);
    expect(worse.decision).toBe('fail');
    expect(worse.reasons[0]).toBe('critical metric failed: watch-through');
  });

  it('a canary without traffic is inconclusive, never promoted', () => {
    const none = analyzeInterval({ metrics: metrics(0, 0), canaryAvgLatencyMs: null }, config);
    expect(none.decision).toBe('inconclusive');
    expect(recordInterval(startRun(), none, { intervals: 1 }).status).toBe('paused');
  });
});
