import { describe, expect, it } from 'vitest';
import { fromCumulative, histogramQuantile } from '../../analysis/histogram.ts';

describe('histogram helpers', () => {
  it('turns Prometheus cumulative le counts into per-bucket counts, clamping decreases', () => {
    expect(fromCumulative([3, 10, 10, 12])).toEqual([3, 7, 0, 2]);
    expect(fromCumulative([3, 2.9, 5])).toEqual([3, 0, 2.1]);
  });

  it('interpolates quantiles like histogram_quantile()', () => {
    const bounds = [0.1, 0.25, 0.5, Infinity];
    // 10 observations: 2 in (0, 0.1], 6 in (0.1, 0.25], 2 in (0.25, 0.5].
    // Median: rank 5, 2 below, bucket holds 6 → 0.1 + 0.15 · 3/6 = 0.175.
    expect(histogramQuantile(bounds, [2, 6, 2, 0], 0.5)).toBeCloseTo(0.175, 12);
    // First bucket starts at 0: rank 1 of 2 → 0.05.
    expect(histogramQuantile(bounds, [2, 6, 2, 0], 0.1)).toBeCloseTo(0.05, 12);
    // In the +Inf bucket: the highest finite bound.
    expect(histogramQuantile(bounds, [0, 1, 0, 5], 0.5)).toBe(0.5);
    expect(histogramQuantile(bounds, [0, 0, 0, 0], 0.5)).toBeNaN();
  });
});
