import { describe, expect, it } from 'vitest';
import { nextFloat, seedState } from '../../model/index.ts';
import {
  bootstrapMeans,
  DEFAULT_RELATIVE_GATE,
  pairedBootstrapInterval,
  relativeGate,
  type RelativeGateSettings,
} from '../run/relative-gate.ts';

const settings = (over: Partial<RelativeGateSettings> = {}): RelativeGateSettings => ({ ...DEFAULT_RELATIVE_GATE, ...over });

/** Per-user nDCG@20 of a served model: values in [0, 1], seeded. */
function served(n: number, seed = 1): Float64Array {
  const s = seedState(seed);
  return Float64Array.from({ length: n }, () => 0.1 + 0.6 * nextFloat(s));
}

describe('bootstrap pieces, by hand', () => {
  it('each resample is the mean of n draws with replacement, returned ascending', () => {
    // diffs [1, 2, 3]; the scripted draws make the resamples {1,1,1}, {3,3,3}, {1,2,3}, {1,1,2}.
    const draws = [0, 0, 0, 2, 2, 2, 0, 1, 2, 0, 0, 1];
    let k = 0;
    const means = bootstrapMeans([1, 2, 3], 4, (n) => {
      expect(n).toBe(3);
      return draws[k++];
    });
    expect(Array.from(means)).toEqual([1, 4 / 3, 2, 3]);
    expect(k).toBe(12);
  });

  it('two users with differences 0 and 1: resample means are 0, 0.5, 1 with odds 1:2:1', () => {
    // Quantiles 0.3 and 0.7 both fall in the 0.5 block; 0.05 and 0.95 in the 0 and 1 blocks.
    expect(pairedBootstrapInterval([0, 1], { confidence: 0.4, resamples: 4000, seed: 3 })).toEqual({ low: 0.5, high: 0.5 });
    expect(pairedBootstrapInterval([0, 1], { confidence: 0.9, resamples: 4000, seed: 3 })).toEqual({ low: 0, high: 1 });
    // One user: every resample is that user.
    expect(pairedBootstrapInterval([0.3], { confidence: 0.95, resamples: 50, seed: 1 })).toEqual({ low: 0.3, high: 0.3 });
  });

  it('matches the normal approximation of the mean on a large sample', () => {
    const n = 400;
    const s = seedState(9);
    const diffs = Float64Array.from({ length: n }, () => nextFloat(s) - 0.5); // uniform: sd = 1/sqrt(12)
    const mean = diffs.reduce((a, b) => a + b, 0) / n;
    const { low, high } = pairedBootstrapInterval(diffs, { confidence: 0.95, resamples: 4000, seed: 5 });
    const half = (1.96 * Math.sqrt(1 / 12)) / Math.sqrt(n);
    expect(low).toBeLessThan(mean);
    expect(high).toBeGreaterThan(mean);
    expect((high - low) / 2).toBeGreaterThan(0.85 * half);
    expect((high - low) / 2).toBeLessThan(1.15 * half);
  });
});

describe('relativeGate', () => {
  it('refuses a deliberately worse candidate and says why, with both scores and the interval', () => {
    const current = served(300);
    const s = seedState(2);
    const candidate = current.map((v) => Math.max(0, v - 0.08 + 0.05 * (nextFloat(s) - 0.5)));
    const d = relativeGate({ candidate, current, currentVersion: '4' }, settings());
    expect(d).toMatchObject({ pass: false, decision: 'refuse', currentVersion: '4', users: 300, tolerance: 0.01, confidence: 0.95 });
    expect(d.diff).toBeCloseTo(-0.08, 2);
    expect(d.high!).toBeLessThan(-0.01);
    expect(d.low!).toBeLessThan(d.diff!);
    expect(d.candidateNdcg! - d.currentNdcg!).toBeCloseTo(d.diff!, 12);
    expect(d.reason).toMatch(/^nDCG@20 0\.\d{4} is worse than version 4's 0\.\d{4} beyond the tolerance 0\.01: difference -0\.0\d{3}, 95% interval \[-0\.\d{4}, -0\.\d{4}\] over 300 users$/);
  });

  it('passes an equal candidate (interval [0, 0]) and a better one', () => {
    const current = served(300);
    const equal = relativeGate({ candidate: current.slice(), current, currentVersion: '4' }, settings());
    expect(equal).toMatchObject({ pass: true, decision: 'pass', diff: 0, low: 0, high: 0 });
    expect(equal.reason).toMatch(/not worse beyond the tolerance 0\.01$/);
    const better = relativeGate({ candidate: current.map((v) => v + 0.05), current, currentVersion: '4' }, settings());
    expect(better.pass).toBe(true);
    expect(better.low!).toBeGreaterThan(0);
  });

  it('passes a slightly worse candidate within the tolerance, and a noisy one whose interval reaches above it', () => {
    const current = served(300);
    const slightly = relativeGate({ candidate: current.map((v) => v - 0.005), current, currentVersion: '4' }, settings());
    expect(slightly.pass).toBe(true);
    expect(slightly.high!).toBeCloseTo(-0.005, 10);
    // Worse on average by 0.03 but over 5 users with large spread: not enough evidence.
    const few = relativeGate({ candidate: [0.9, 0.0, 0.5, 0.1, 0.2], current: [0.3, 0.4, 0.5, 0.2, 0.45], currentVersion: '4' }, settings());
    expect(few.diff).toBeCloseTo(-0.03, 12);
    expect(few.pass).toBe(true);
    expect(few.high!).toBeGreaterThan(0);
    // The same difference with a tolerance of 0 over many users is refused.
    const many = relativeGate({ candidate: current.map((v) => v - 0.005), current, currentVersion: '4' }, settings({ tolerance: 0 }));
    expect(many.decision).toBe('refuse');
  });

  it('is reproducible with a seed, and another seed moves the interval only a little', () => {
    const current = served(200);
    const s = seedState(4);
    const candidate = current.map((v) => v + 0.1 * (nextFloat(s) - 0.55));
    const a = relativeGate({ candidate, current, currentVersion: '1' }, settings({ seed: 7 }));
    const b = relativeGate({ candidate, current, currentVersion: '1' }, settings({ seed: 7 }));
    const c = relativeGate({ candidate, current, currentVersion: '1' }, settings({ seed: 8 }));
    expect(b).toEqual(a);
    expect(c.low).not.toBe(a.low);
    expect(Math.abs(c.low! - a.low!)).toBeLessThan(0.003);
    expect(c.diff).toBe(a.diff);
  });

  it('passes when nothing is served yet or no held-out user is shared, saying so', () => {
    expect(relativeGate(null, settings())).toMatchObject({
      pass: true,
      decision: 'no-baseline',
      reason: 'no model is served yet: nothing to compare with',
      currentVersion: null,
      diff: null,
    });
    expect(relativeGate({ candidate: [], current: [], currentVersion: '3' }, settings())).toMatchObject({
      pass: true,
      decision: 'no-baseline',
      reason: 'no held-out user to compare with version 3 on',
    });
  });

  it('refuses bad input and bad settings', () => {
    expect(() => relativeGate({ candidate: [0.1], current: [0.1, 0.2], currentVersion: '1' }, settings())).toThrow(/differ in length/);
    expect(() => relativeGate({ candidate: [Number.NaN], current: [0.1], currentVersion: '1' }, settings())).toThrow(/not finite/);
    expect(() => relativeGate(null, settings({ confidence: 1 }))).toThrow(/confidence 1/);
    expect(() => relativeGate(null, settings({ resamples: 0, tolerance: -1 }))).toThrow(/tolerance -1 .*resamples 0/);
  });
});
