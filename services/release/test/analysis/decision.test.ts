import { describe, expect, it } from 'vitest';
import { decideInterval, type DecisionConfig } from '../../analysis/decision.ts';
import type { MetricVerdict, VerdictKind } from '../../analysis/verdict.ts';

const verdict = (metric: string, kind: VerdictKind): MetricVerdict => ({
  metric,
  test: 'two-proportion-z',
  verdict: kind,
  n: { baseline: 1000, canary: 1000 },
  requiredPerGroup: 500,
  statistic: 0,
  z: 0,
  pValue: 0.5,
  alpha: 0.05,
  effect: { name: 'increase in rate', value: 0, tolerance: 0 },
  details: {},
  explanation: `${metric}: ${kind}`,
});

const config: DecisionConfig = {
  metrics: {
    errors: { weight: 2, critical: true },
    'watch-through': { weight: 2, critical: true },
    latency: { weight: 1, critical: false },
    coverage: { weight: 1 },
  },
};
const decide = (kinds: Record<string, VerdictKind>, avg: number | null = 120, cfg = config) =>
  decideInterval({ verdicts: Object.entries(kinds).map(([m, k]) => verdict(m, k)), canaryAvgLatencyMs: avg }, cfg);

describe('interval decision', () => {
  it('all pass → pass, score 100, each metric’s share explained', () => {
    const d = decide({ errors: 'pass', 'watch-through': 'pass', latency: 'pass', coverage: 'pass' });
    expect(d.decision).toBe('pass');
    expect(d.score).toBe(100);
    // Weights 2 + 2 + 1 + 1 = 6: errors is worth 100·2/6 = 33.3 points, latency 100·1/6 = 16.7.
    expect(d.contributions.find((c) => c.metric === 'errors')?.share).toBeCloseTo(33.333, 3);
    expect(d.contributions.find((c) => c.metric === 'latency')?.points).toBeCloseTo(16.667, 3);
  });

  it('a critical fail fails whatever the score', () => {
    const d = decide({ errors: 'pass', 'watch-through': 'fail', latency: 'pass', coverage: 'pass' });
    expect(d.decision).toBe('fail');
    expect(d.reasons[0]).toBe('critical metric failed: watch-through');
    expect(d.score).toBeCloseTo(66.667, 3);
  });

  it('a critical metric inconclusive, without data or not measured → inconclusive', () => {
    expect(decide({ errors: 'inconclusive', 'watch-through': 'pass', latency: 'pass' }).decision).toBe('inconclusive');
    expect(decide({ errors: 'pass', 'watch-through': 'nodata', latency: 'pass' }).decision).toBe('inconclusive');
    const missing = decide({ errors: 'pass', latency: 'pass' });
    expect(missing.decision).toBe('inconclusive');
    expect(missing.reasons[0]).toBe('critical metric without a verdict: watch-through (not measured)');
  });

  it('score = 100·Σ passing weight / Σ counted weight; inconclusive non-critical metrics are left out', () => {
    // latency (1) fails, coverage inconclusive (not counted): 100·4/5 = 80 → marginal (75..95) → inconclusive.
    const d = decide({ errors: 'pass', 'watch-through': 'pass', latency: 'fail', coverage: 'inconclusive' });
    expect(d.score).toBeCloseTo(80, 9);
    expect(d.decision).toBe('inconclusive');
    expect(d.contributions.find((c) => c.metric === 'coverage')).toMatchObject({ counted: false, share: 0, points: 0 });
    // Below marginalScore fails: 100·4/6 = 66.7 with both non-critical failing.
    expect(decide({ errors: 'pass', 'watch-through': 'pass', latency: 'fail', coverage: 'fail' }).decision).toBe('fail');
  });

  it('nothing counted → inconclusive, never pass', () => {
    const d = decide({ a: 'nodata', b: 'inconclusive' }, 100, {});
    expect(d).toMatchObject({ decision: 'inconclusive', score: null });
  });

  it('the absolute guardrail: canary mean latency >= 500 ms fails regardless of the comparison', () => {
    const d = decide({ errors: 'pass', 'watch-through': 'pass', latency: 'pass', coverage: 'pass' }, 500);
    expect(d).toMatchObject({ decision: 'fail', guardrailBreached: true, score: 100 });
    expect(d.reasons[0]).toBe('guardrail: canary mean latency 500 ms >= 500 ms');
    expect(decide({ errors: 'pass', 'watch-through': 'pass' }, 499.9).decision).toBe('pass');
    expect(decide({ errors: 'pass', 'watch-through': 'pass' }, null).guardrailBreached).toBe(false);
  });

  it('refuses an inconsistent configuration', () => {
    expect(() => decide({}, 1, { passScore: 50, marginalScore: 60 })).toThrow(/decisionConfig\.marginalScore/);
  });
});
