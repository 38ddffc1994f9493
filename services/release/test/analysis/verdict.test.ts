import { describe, expect, it } from 'vitest';
import { MarqueeError } from '../../../core/errors.ts';
import { judgeLatency, judgeMetric, judgeProportion, type ProportionSpec } from '../../analysis/verdict.ts';

const bounds = [0.05, 0.1, 0.2, 0.5, '+Inf'] as const;
const latency = (baseline: number[], canary: number[], spec = {}) =>
  judgeLatency({ name: 'latency', unit: 's', ...spec }, { histogram: { upperBounds: [...bounds], baseline, canary } });

describe('latency verdict (Mann-Whitney U + median tolerance)', () => {
  it('no canary observations → nodata, never pass', () => {
    const v = latency([100, 300, 80, 20, 0], [0, 0, 0, 0, 0]);
    expect(v).toMatchObject({ verdict: 'nodata', statistic: null, pValue: null, n: { baseline: 500, canary: 0 } });
    expect(v.explanation).toBe('latency: no canary observations in the interval');
  });

  it('a clear regression → fail, with n, U, z, p and the effect', () => {
    // Medians: baseline 0.05 + 0.05·(250−100)/300 = 0.075 s; canary 0.1 + 0.1·(250−120)/200 = 0.165 s → +120 %.
    const v = latency([100, 300, 80, 20, 0], [20, 100, 200, 150, 30]);
    expect(v.verdict).toBe('fail');
    expect(v.n).toEqual({ baseline: 500, canary: 500 });
    expect(v.effect.value).toBeCloseTo(1.2, 9);
    expect(v.details.canaryMedian).toBeCloseTo(0.165, 9);
    expect(v.pValue).toBeLessThan(1e-10);
    expect(v.explanation).toMatch(/canary median 0\.165 s vs baseline 0\.075 s \(\+120 %, tolerance 10 %\).*harmful difference beyond the tolerance/);
  });

  it('the same distribution → pass', () => {
    const v = latency([100, 300, 80, 20, 0], [100, 300, 80, 20, 0]);
    // U at its mean n₁n₂/2 = 125 000: the one-sided p is 1 − Φ(−0.5/sd) ≈ 0.5.
    expect(v).toMatchObject({ verdict: 'pass', statistic: 125_000, effect: { value: 0 } });
    expect(v.pValue).toBeCloseTo(0.5, 3);
  });

  it('a faster canary → pass (only harm counts)', () => {
    expect(latency([20, 100, 200, 150, 30], [100, 300, 80, 20, 0]).verdict).toBe('pass');
  });

  it('significantly slower but within the tolerance → pass', () => {
    // Medians 0.075 vs 0.05 + 0.05·(25000−9000)/30000 = 0.07667 → +2.2 %: significant at n = 50 000, under 10 %.
    const v = latency([10_000, 30_000, 8_000, 2_000, 0], [9_000, 30_000, 9_000, 2_000, 0]);
    expect(v.pValue).toBeLessThan(0.05);
    expect(v.effect.value).toBeCloseTo(0.0222, 3);
    expect(v.verdict).toBe('pass');
  });

  it('a significant difference of a fraction of a millisecond is not beyond a 5 ms floor', () => {
    // Medians 0.9 ms vs 0.7 ms (+29 %), 400 each: beyond 10 % and significant, but 0.2 ms < 5 ms.
    const fast = [0.0005, 0.001, 0.002, '+Inf'] as const;
    const judge = (spec: object) =>
      judgeLatency({ name: 'latency', unit: 's', ...spec }, { histogram: { upperBounds: [...fast], baseline: [200, 180, 20, 0], canary: [120, 260, 20, 0] } });
    const relativeOnly = judge({});
    expect(relativeOnly.details.canaryMedian! - relativeOnly.details.baselineMedian!).toBeLessThan(0.0005);
    expect(relativeOnly.pValue).toBeLessThan(0.05);
    expect(relativeOnly.verdict).toBe('fail');
    const floored = judge({ minAbsoluteEffect: 0.005 });
    expect(floored.verdict).toBe('pass');
    expect(floored.explanation).toMatch(/tolerance 10 % and 0\.005 s/);
  });

  it('fewer observations than minSamples → inconclusive, even when equal', () => {
    const v = latency([2, 5, 2, 1, 0], [2, 5, 2, 1, 0]);
    expect(v.verdict).toBe('inconclusive');
    expect(v.explanation).toMatch(/too little data: 50 per track needed/);
  });

  it('beyond the tolerance without significance → inconclusive, not pass', () => {
    // b = 100..140, c = 100..160 (ms): medians 120 vs 135 (+12.5 %); U_c = 17.5 of 25, p ≈ 0.17.
    const v = judgeLatency(
      { name: 'latency', minSamples: 5 },
      { samples: { baseline: [100, 110, 120, 130, 140], canary: [100, 125, 135, 150, 160] } },
    );
    expect(v.statistic).toBe(17.5);
    expect(v.pValue).toBeGreaterThan(0.05);
    expect(v.verdict).toBe('inconclusive');
  });

  it('refuses a bad spec or data with the metric named', () => {
    expect(() => judgeLatency({ name: 'latency', tolerance: -1 }, { samples: { baseline: [], canary: [] } })).toThrow(/latencySpec\.tolerance/);
    expect(() => judgeLatency({ name: 'p50' }, { samples: { baseline: [1], canary: [Infinity] } })).toThrow(MarqueeError);
  });
});

const errors: ProportionSpec = { name: 'server errors', harmful: 'increase', minimalDetectableEffect: { kind: 'absolute', value: 0.01 } };
const watch: ProportionSpec = { name: 'watch-through', harmful: 'decrease', minimalDetectableEffect: { kind: 'absolute', value: 0.02 } };
const counts = (be: number, bn: number, ce: number, cn: number) => ({ baseline: { events: be, total: bn }, canary: { events: ce, total: cn } });

describe('proportion verdict (two-proportion z + sample size)', () => {
  it('no canary traffic → nodata', () => {
    expect(judgeProportion(errors, counts(1, 400, 0, 0))).toMatchObject({ verdict: 'nodata', z: null, n: { canary: 0 } });
  });

  it('0 of 50 vs 0 of 50 errors → inconclusive: 615 per group are needed to detect +1 pp', () => {
    // One-sided sample size from a 0 % baseline to 1 %: 615 (see proportions.test.ts).
    const v = judgeProportion(errors, counts(0, 50, 0, 50));
    expect(v).toMatchObject({ verdict: 'inconclusive', requiredPerGroup: 615, z: 0, pValue: 1 });
    expect(v.explanation).toContain('canary 0/50 = 0 % vs baseline 0/50 = 0 %');
  });

  it('0 vs 0 errors with n above the sample size → pass', () => {
    expect(judgeProportion(errors, counts(0, 700, 0, 700)).verdict).toBe('pass');
  });

  it('a planned baseline rate sets the sample size whatever was observed', () => {
    // 0.05 → 0.06 one-sided: (1.644854·√(2·0.055·0.945) + 0.841621·√(0.0475 + 0.0564))² / 0.0001
    // = (1.644854·0.322413 + 0.841621·0.322335)² / 0.0001 = (0.530323 + 0.271284)² / 0.0001 = 6425.7 → 6426
    expect(judgeProportion({ ...errors, plannedBaselineRate: 0.05 }, counts(0, 700, 0, 700))).toMatchObject({ verdict: 'inconclusive', requiredPerGroup: 6426 });
  });

  it('a clear error regression fails even below the sample size', () => {
    // 10/50 vs 0/50: p̄ = 0.1, se = √(0.1·0.9·0.04) = 0.06, z = 0.2/0.06 = 3.333, p = 1 − Φ(3.333) ≈ 4.3e-4.
    const v = judgeProportion(errors, counts(0, 50, 10, 50));
    expect(v.z).toBeCloseTo(3.3333, 4);
    expect(v.pValue).toBeCloseTo(4.29e-4, 5);
    expect(v.verdict).toBe('fail');
  });

  it('watch-through: lower is harmful; 9 % vs 12 % of 5000 fails, higher or equal passes', () => {
    // p̄ = 0.105, se = √(0.105·0.895·0.0004) = 0.0061311, z = −0.03/0.0061311 = −4.893.
    const worse = judgeProportion(watch, counts(600, 5000, 450, 5000));
    expect(worse.z).toBeCloseTo(-4.893, 3);
    expect(worse.effect.value).toBeCloseTo(0.03, 12);
    expect(worse.verdict).toBe('fail');
    expect(judgeProportion(watch, counts(600, 5000, 700, 5000)).verdict).toBe('pass');
    expect(judgeProportion(watch, counts(600, 5000, 600, 5000)).verdict).toBe('pass');
  });

  it('a harm within the stated tolerance passes; the same harm with zero tolerance fails', () => {
    const data = counts(600, 5000, 540, 5000); // 12 % → 10.8 %, z = −1.898, p ≈ 0.029
    expect(judgeProportion({ ...watch, tolerance: { kind: 'relative', value: 0.15 } }, data).verdict).toBe('pass');
    expect(judgeProportion(watch, data).verdict).toBe('fail');
  });

  it('judgeMetric dispatches on the kind', () => {
    expect(judgeMetric({ kind: 'proportion', spec: errors, data: counts(0, 50, 0, 50) }).test).toBe('two-proportion-z');
    expect(judgeMetric({ kind: 'latency', spec: { name: 'l' }, data: { samples: { baseline: [], canary: [] } } }).verdict).toBe('nodata');
  });
});
