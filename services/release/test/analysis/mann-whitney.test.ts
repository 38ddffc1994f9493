import { describe, expect, it } from 'vitest';
import { MarqueeError } from '../../../core/errors.ts';
import { compareHistograms, compareSamples, groupSamples, mannWhitneyGrouped } from '../../analysis/mann-whitney.ts';

describe('Mann-Whitney U with ties, by hand', () => {
  // baseline b = [1, 2, 2, 3], canary c = [2, 3, 3, 4]; n₁ = n₂ = 4, N = 8.
  // Sorted: 1(b) | 2(b b c) | 3(b c c) | 4(c)
  // Ranks:  1    | 2,3,4 → midrank 3 | 5,6,7 → midrank 6 | 8
  // R_c = 3 + 6 + 6 + 8 = 23;  U_c = R_c − n₂(n₂+1)/2 = 23 − 10 = 13;  U_b = n₁n₂ − U_c = 16 − 13 = 3.
  // Check by pairs: canary 2 beats 1 (1 win) and ties 2,2 (2 ties); each canary 3 beats 1,2,2
  // (3 wins ×2) and ties 3 (1 tie ×2); canary 4 beats all 4: wins 11, ties 4 → U_c = 11 + 4/2 = 13.
  // Mean n₁n₂/2 = 8. Ties: two groups of t = 3 → Σ(t³ − t) = 24 + 24 = 48.
  // Var = n₁n₂/12 · ((N+1) − Σ(t³−t)/(N(N−1))) = 16/12 · (9 − 48/56) = 1.3333 · 8.142857 = 10.857143
  // sd = 3.295018;  z = (13 − 8 − 0.5)/3.295018 = 1.365698 (continuity correction 0.5).
  // One-sided p = 1 − Φ(1.3657): Φ(1.36) = 0.91309, Φ(1.37) = 0.91466 → Φ ≈ 0.91399 → p ≈ 0.0860;
  // two-sided p ≈ 0.172. PS = 13/16 = 0.8125; Cliff's delta = (11 − 1)/16 = 0.625
  // (canary smaller only in the pair (2, 3)).
  const expected = {
    nBaseline: 4,
    nCanary: 4,
    uCanary: 13,
    uBaseline: 3,
    probabilityOfSuperiority: 0.8125,
    cliffsDelta: 0.625,
  };

  it('from raw samples', () => {
    const r = compareSamples({ baseline: [1, 2, 2, 3], canary: [2, 3, 3, 4] });
    expect(r).toMatchObject(expected);
    expect(r.z).toBeCloseTo(1.365698, 6);
    expect(r.pGreater).toBeCloseTo(0.0860, 4);
    expect(r.pTwoSided).toBeCloseTo(0.1720, 4);
    // pLess: Φ((13 − 8 + 0.5)/3.295018) = Φ(1.669187) ≈ 0.95246
    expect(r.pLess).toBeCloseTo(0.95246, 5);
    expect(r.baselineMedian).toBe(2);
    expect(r.canaryMedian).toBe(3);
    expect(r.medianRatio).toBe(1.5);
  });

  it('from histograms with the same buckets: the same test, medians interpolated within buckets', () => {
    // Buckets le=1,2,3,+Inf. Baseline median: rank 4·0.5 = 2 falls in (1, 2] holding 2 of which
    // 1 is below → 1 + (2−1)·(2−1)/2 = 1.5. Canary: rank 2 in (2, 3] holding 2, 1 below → 2.5.
    const samples = compareSamples({ baseline: [1, 2, 2, 3], canary: [2, 3, 3, 4] });
    const h = compareHistograms({ upperBounds: [1, 2, 3, '+Inf'], baseline: [1, 2, 1, 0], canary: [0, 1, 2, 1] });
    for (const key of ['uCanary', 'uBaseline', 'z', 'pTwoSided', 'pGreater', 'pLess', 'cliffsDelta'] as const) {
      expect(h[key]).toBeCloseTo(samples[key], 12);
    }
    expect(h.baselineMedian).toBe(1.5);
    expect(h.canaryMedian).toBe(2.5);
    expect(h.medianRatio).toBeCloseTo(2.5 / 1.5, 12);
  });

  it('without ties matches the textbook variance n₁n₂(N+1)/12', () => {
    // b = [1, 3, 5], c = [2, 4, 6, 8]: ranks of c = 2, 4, 6, 7 → R = 19, U_c = 19 − 10 = 9.
    // mean 6, var = 12·8/12 = 8, z = (9 − 6 − 0.5)/√8 = 0.883883.
    const r = compareSamples({ baseline: [5, 1, 3], canary: [8, 2, 6, 4] });
    expect(r.uCanary).toBe(9);
    expect(r.z).toBeCloseTo(2.5 / Math.sqrt(8), 12);
  });

  it('counts U exactly as the pairs (canary > baseline) + ½·ties, on arbitrary tied data', () => {
    const baseline = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
    const canary = [2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9];
    let pairs = 0;
    for (const c of canary) for (const b of baseline) pairs += c > b ? 1 : c === b ? 0.5 : 0;
    expect(compareSamples({ baseline, canary }).uCanary).toBe(pairs);
  });

  it('is antisymmetric: swapping the tracks flips z and the one-sided p-values', () => {
    const a = compareSamples({ baseline: [1, 2, 2, 3], canary: [2, 3, 3, 4] });
    const b = compareSamples({ baseline: [2, 3, 3, 4], canary: [1, 2, 2, 3] });
    expect(b.z).toBeCloseTo(-a.z, 12);
    expect(b.pLess).toBeCloseTo(a.pGreater, 12);
    expect(b.pTwoSided).toBeCloseTo(a.pTwoSided, 12);
    expect(b.cliffsDelta).toBeCloseTo(-a.cliffsDelta, 12);
  });

  it('has no evidence when every value ties or a track is empty', () => {
    const tied = mannWhitneyGrouped([{ baseline: 10, canary: 7 }]);
    expect(tied).toMatchObject({ z: 0, pTwoSided: 1, pGreater: 1, pLess: 1, probabilityOfSuperiority: 0.5, cliffsDelta: 0 });
    const empty = compareSamples({ baseline: [1, 2], canary: [] });
    expect(empty).toMatchObject({ nCanary: 0, z: 0, pGreater: 1 });
    expect(empty.probabilityOfSuperiority).toBeNaN();
    expect(empty.canaryMedian).toBeNaN();
  });

  it('identical distributions give U at its mean and p = 1 (continuity correction)', () => {
    const r = compareHistograms({ upperBounds: [0.1, 0.2, Infinity], baseline: [5, 3, 1], canary: [5, 3, 1] });
    expect(r.uCanary).toBe(81 / 2);
    expect(r.pTwoSided).toBe(1);
    expect(r.medianRatio).toBe(1);
  });

  it('groups raw samples by equal value, ascending', () => {
    expect(groupSamples([2, 1, 2], [2, 3])).toEqual([
      { baseline: 1, canary: 0 },
      { baseline: 2, canary: 1 },
      { baseline: 0, canary: 1 },
    ]);
  });

  it('rejects malformed input with an INPUT error naming the field', () => {
    expect(() => compareHistograms({ upperBounds: [1, 2], baseline: [1], canary: [1, 1] })).toThrow(/histogram\.baseline: has 1 counts for 2 buckets/);
    expect(() => compareHistograms({ upperBounds: [2, 1], baseline: [1, 1], canary: [1, 1] })).toThrow(MarqueeError);
    expect(() => compareHistograms({ upperBounds: [1, 2], baseline: [1, -1], canary: [1, 1] })).toThrow(/histogram\.baseline\.1/);
    expect(() => compareSamples({ baseline: [1, Number.NaN], canary: [] })).toThrow(/samples\.baseline\.1/);
  });
});
