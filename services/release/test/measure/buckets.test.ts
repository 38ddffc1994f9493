import { describe, expect, it } from 'vitest';
import { histogramPair } from '../../measure/buckets.ts';

const s = (le: string, value: number) => ({ metric: { le }, value });

describe('histogramPair (sum by (le) answers → per-bucket counts)', () => {
  it('sorts the bounds, turns cumulative counts per-bucket, +Inf last', () => {
    const h = histogramPair([s('+Inf', 10), s('0.1', 4), s('0.5', 9)], [s('0.1', 1), s('+Inf', 3), s('0.5', 3)]);
    expect(h).toEqual({ upperBounds: [0.1, 0.5, Infinity], baseline: [4, 5, 1], canary: [1, 2, 0] });
  });

  it('a track without series is all zeros; a bound one track lacks carries its count from below', () => {
    expect(histogramPair([s('0.1', 2), s('+Inf', 2)], [])).toEqual({ upperBounds: [0.1, Infinity], baseline: [2, 0], canary: [0, 0] });
    const h = histogramPair([s('0.1', 2), s('0.2', 3), s('+Inf', 4)], [s('0.1', 1), s('+Inf', 5)]);
    expect(h.canary).toEqual([1, 0, 4]);
  });

  it('a decrease (extrapolation, reset) is clamped to 0; bad le values are ignored', () => {
    expect(histogramPair([s('0.1', 5), s('+Inf', 4.9), s('junk', 1)], []).baseline).toEqual([5, 0]);
  });
});
