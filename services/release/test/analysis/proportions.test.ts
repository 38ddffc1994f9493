import { describe, expect, it } from 'vitest';
import { MarqueeError } from '../../../core/errors.ts';
import { differenceInterval, minimumSampleSize, twoProportionZTest, wilsonInterval } from '../../analysis/proportions.ts';

describe('two-proportion z-test (pooled)', () => {
  it('120/1000 (canary) vs 100/1000 (baseline), by hand', () => {
    // p̄ = 220/2000 = 0.11; se = √(0.11 · 0.89 · (1/1000 + 1/1000)) = √0.0001958 = 0.0139929
    // z = (0.12 − 0.10)/0.0139929 = 1.42930
    // Φ(1.42) = 0.92220, Φ(1.43) = 0.92364 → Φ(1.4293) ≈ 0.92220 + 0.93 · 0.00144 = 0.92354
    // one-sided p (canary higher) ≈ 0.07646; two-sided ≈ 0.1529.
    const r = twoProportionZTest({ baseline: { events: 100, total: 1000 }, canary: { events: 120, total: 1000 } });
    expect(r.z).toBeCloseTo(1.4293, 4);
    expect(r.pGreater).toBeCloseTo(0.07646, 4);
    expect(r.pTwoSided).toBeCloseTo(0.1529, 4);
    expect(r.pLess).toBeCloseTo(1 - 0.07646, 4);
    expect(r.difference).toBeCloseTo(0.02, 12);
  });

  it('equals Pearson χ² without continuity correction: z² = χ²', () => {
    // 2×2 table [[120, 880], [100, 900]], expected 110 / 890 per cell:
    // χ² = 2·(10²/110) + 2·(10²/890) = 1.818182 + 0.224719 = 2.042901 = 1.42930².
    const r = twoProportionZTest({ baseline: { events: 100, total: 1000 }, canary: { events: 120, total: 1000 } });
    expect(r.z ** 2).toBeCloseTo(2.042901, 5);
  });

  it('has no evidence when nobody (or everybody) had the event: z = 0, p = 1', () => {
    expect(twoProportionZTest({ baseline: { events: 0, total: 50 }, canary: { events: 0, total: 50 } })).toMatchObject({ z: 0, pGreater: 1, pTwoSided: 1 });
    expect(twoProportionZTest({ baseline: { events: 9, total: 9 }, canary: { events: 4, total: 4 } })).toMatchObject({ z: 0, pLess: 1 });
  });

  it('rejects impossible counts', () => {
    expect(() => twoProportionZTest({ baseline: { events: 5, total: 4 }, canary: { events: 0, total: 1 } })).toThrow(/proportions\.baseline\.events/);
    expect(() => twoProportionZTest({ baseline: { events: 0, total: 0 }, canary: { events: 0, total: 1 } })).toThrow(MarqueeError);
  });
});

describe('Wilson score interval', () => {
  it('10/100 at 95 %: 0.0552 .. 0.1744, by hand', () => {
    // z = 1.959964, z² = 3.841459, z²/n = 0.0384146
    // centre = (0.1 + 0.0192073)/1.0384146 = 0.114799
    // half = 1.959964/1.0384146 · √(0.1·0.9/100 + 3.841459/40000) = 1.887458 · √0.000996036 = 0.059569
    const w = wilsonInterval({ events: 10, total: 100 });
    expect(w.lower).toBeCloseTo(0.0552, 4);
    expect(w.upper).toBeCloseTo(0.1744, 4);
  });

  it('0/50 is not a point: [0, z²/(n + z²)] = [0, 3.841459/53.841459] = [0, 0.0713]', () => {
    const w = wilsonInterval({ events: 0, total: 50 });
    expect(w.lower).toBe(0);
    expect(w.upper).toBeCloseTo(3.841459 / 53.841459, 6);
  });

  it('no data is the whole range; a bad confidence is refused', () => {
    expect(wilsonInterval({ events: 0, total: 0 })).toEqual({ lower: 0, upper: 1 });
    expect(() => wilsonInterval({ events: 1, total: 2 }, 1.5)).toThrow(/confidence/);
  });
});

describe('difference interval (Newcombe hybrid score)', () => {
  it('contains the observed difference and is wider on the sparse side', () => {
    // 120/1000 − 100/1000 = 0.02: Wilson 95 % of 0.12 = [0.1013, 0.1416], of 0.10 = [0.0828, 0.1203]
    // lower = 0.02 − √((0.12 − 0.1013)² + (0.1203 − 0.10)²) = 0.02 − 0.02757 = −0.0075
    // upper = 0.02 + √((0.1416 − 0.12)² + (0.10 − 0.0828)²) = 0.02 + 0.02755 = 0.0476
    const d = differenceInterval({ baseline: { events: 100, total: 1000 }, canary: { events: 120, total: 1000 } });
    expect(d.lower).toBeCloseTo(-0.0075, 3);
    expect(d.upper).toBeCloseTo(0.0476, 3);
  });

  it('is not degenerate at 0 vs 0', () => {
    const d = differenceInterval({ baseline: { events: 0, total: 50 }, canary: { events: 0, total: 50 } });
    expect(d.lower).toBeCloseTo(-0.0713, 4);
    expect(d.upper).toBeCloseTo(0.0713, 4);
  });
});

describe('minimum sample size per group', () => {
  it('0.10 → 0.12, alpha 0.05 two-sided, power 0.8: 3841, by hand', () => {
    // p̄ = 0.11: z_{0.975}·√(2·0.11·0.89) = 1.959964 · 0.442493 = 0.867270
    // z_{0.8}·√(0.10·0.90 + 0.12·0.88) = 0.841621 · √0.1956 = 0.841621 · 0.442267 = 0.372222
    // n = (0.867270 + 0.372222)² / 0.02² = 1.536340 / 0.0004 = 3840.85 → 3841
    expect(minimumSampleSize({ baselineRate: 0.1, minimalDetectableEffect: { kind: 'absolute', value: 0.02 }, alpha: 0.05, power: 0.8, sided: 2 })).toBe(3841);
    // The same effect stated relatively (+20 % of 0.10), with the defaults (0.05, 0.8, two-sided).
    expect(minimumSampleSize({ baselineRate: 0.1, minimalDetectableEffect: { kind: 'relative', value: 0.2 } })).toBe(3841);
  });

  it('one-sided needs fewer; a decrease is not symmetric to an increase', () => {
    // One-sided: z_{0.95} = 1.644854 → (1.644854·0.442493 + 0.372222)² / 0.0004 = (0.727836 + 0.372222)²/0.0004 = 3025.3 → 3026
    expect(minimumSampleSize({ baselineRate: 0.1, minimalDetectableEffect: { kind: 'absolute', value: 0.02 }, sided: 1 })).toBe(3026);
    // 0.10 → 0.08: p̄ = 0.09, √(2·0.09·0.91) = 0.404722, √(0.09 + 0.0736) = 0.404475
    // (1.959964·0.404722 + 0.841621·0.404475)² / 0.0004 = (0.793240 + 0.340415)²/0.0004 = 1.285174/0.0004 = 3212.9 → 3213
    expect(minimumSampleSize({ baselineRate: 0.1, minimalDetectableEffect: { kind: 'absolute', value: 0.02 }, direction: 'decrease' })).toBe(3213);
  });

  it('a zero baseline needs an absolute effect: 0 → 1 % one-sided is 615, a relative one is never detectable', () => {
    // p̄ = 0.005: 1.644854·√0.00995 = 0.164074; 0.841621·√0.0099 = 0.083740; (0.247814)²/0.0001 = 614.1 → 615
    expect(minimumSampleSize({ baselineRate: 0, minimalDetectableEffect: { kind: 'absolute', value: 0.01 }, sided: 1 })).toBe(615);
    expect(minimumSampleSize({ baselineRate: 0, minimalDetectableEffect: { kind: 'relative', value: 0.5 } })).toBe(Infinity);
  });

  it('refuses an alternative rate outside [0, 1] and bad levels', () => {
    expect(() => minimumSampleSize({ baselineRate: 0.01, minimalDetectableEffect: { kind: 'absolute', value: 0.02 }, direction: 'decrease' })).toThrow(/leaves \[0, 1\]/);
    expect(() => minimumSampleSize({ baselineRate: 0.1, minimalDetectableEffect: { kind: 'absolute', value: 0.02 }, power: 1 })).toThrow(/sampleSize\.power/);
  });
});
