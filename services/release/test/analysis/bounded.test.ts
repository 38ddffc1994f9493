import { describe, expect, it } from 'vitest';
import { MarqueeError } from '../../../core/errors.ts';
import { analyzeInterval, judgeBounded, judgeMetric, type BoundedSpec } from '../../analysis/index.ts';

const coverage: BoundedSpec = { name: 'coverage', harmful: 'decrease', tolerance: { kind: 'relative', value: 0.2 }, minSamples: 100 };
const popularity: BoundedSpec = { name: 'popularity', harmful: 'increase', tolerance: { kind: 'absolute', value: 10 }, minSamples: 100, unit: 'pct' };
const fig = (bv: number | null, bn: number, cv: number | null, cn: number) => ({ baseline: { value: bv, n: bn }, canary: { value: cv, n: cn } });

describe('bounded-difference verdict (diversity guardrails)', () => {
  it('within a relative tolerance → pass; the tolerance is in the figure units', () => {
    // Tolerance 0.2 · 0.30 = 0.06; harm 0.30 − 0.25 = 0.05 ≤ 0.06.
    const v = judgeBounded(coverage, fig(0.3, 500, 0.25, 500));
    expect(v).toMatchObject({ verdict: 'pass', test: 'bounded-difference', n: { baseline: 500, canary: 500 }, statistic: null, pValue: null });
    expect(v.effect.value).toBeCloseTo(0.05, 12);
    expect(v.effect.tolerance).toBeCloseTo(0.06, 12);
  });

  it('beyond the tolerance in the harmful direction → fail', () => {
    // harm 0.30 − 0.20 = 0.10 > 0.06.
    const v = judgeBounded(coverage, fig(0.3, 500, 0.2, 500));
    expect(v.verdict).toBe('fail');
    expect(v.explanation).toMatch(/^coverage: canary 0\.2 vs baseline 0\.3 \(harm 0\.1, tolerance 0\.06\), n = 500 vs 500: harmful difference beyond the tolerance$/);
  });

  it('only harm counts: a higher coverage, or less popular lists, pass', () => {
    expect(judgeBounded(coverage, fig(0.3, 500, 0.9, 500)).verdict).toBe('pass');
    expect(judgeBounded(popularity, fig(70, 500, 20, 500)).verdict).toBe('pass');
    // 70 → 81: +11 points > 10.
    expect(judgeBounded(popularity, fig(70, 500, 81, 500))).toMatchObject({ verdict: 'fail', effect: { value: 11, tolerance: 10 } });
  });

  it('too few lists → inconclusive even when beyond the tolerance; none (or no figure) → nodata', () => {
    expect(judgeBounded(coverage, fig(0.3, 99, 0.1, 500)).verdict).toBe('inconclusive');
    expect(judgeBounded(coverage, fig(0.3, 500, null, 0))).toMatchObject({ verdict: 'nodata', explanation: 'coverage: no canary observations in the interval' });
    expect(judgeBounded(coverage, fig(Number.NaN, 500, 0.3, 500)).verdict).toBe('nodata');
  });

  it('a bad spec is an INPUT error naming the field', () => {
    const bad = () => judgeBounded({ ...coverage, tolerance: { kind: 'relative', value: -1 } }, fig(1, 1, 1, 1));
    expect(bad).toThrow(MarqueeError);
    expect(bad).toThrow(/boundedSpec\.tolerance\.value/);
  });

  it('is a MetricInput kind: judgeMetric and analyzeInterval take it', () => {
    expect(judgeMetric({ kind: 'bounded', spec: coverage, data: fig(0.3, 500, 0.2, 500) }).verdict).toBe('fail');
    const a = analyzeInterval({ metrics: [{ kind: 'bounded', spec: popularity, data: fig(50, 500, 52, 500) }], canaryAvgLatencyMs: 20 });
    expect(a).toMatchObject({ decision: 'pass', score: 100 });
  });
});
