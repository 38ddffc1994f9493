import { describe, expect, it } from 'vitest';
import { median, nearestRankSorted, quantile, quantileSorted } from '../stats.ts';

describe('quantileSorted', () => {
  it('interpolates linearly between order statistics (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12); // h = 3 * 0.25 = 0.75
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantileSorted([7], 0.9)).toBe(7);
    expect(() => quantileSorted([], 0.5)).toThrow(/empty/);
  });
});

describe('nearestRankSorted', () => {
  it('takes the ceil(q·n)-th smallest value (type 1), never one between two', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(nearestRankSorted(xs, 0.95)).toBe(95);
    expect(nearestRankSorted(xs, 0.951)).toBe(96);
    expect(nearestRankSorted([1, 2, 3, 4], 0.5)).toBe(2);
    expect(nearestRankSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(nearestRankSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(() => nearestRankSorted([], 0.5)).toThrow(/empty/);
  });
});

describe('quantile and median', () => {
  it('sort a copy, so any order gives the same answer and the input is left alone', () => {
    const xs = [4, 1, 3, 2];
    expect(quantile(xs, 0.25)).toBeCloseTo(1.75, 12);
    expect(xs).toEqual([4, 1, 3, 2]);
  });

  it('median: the middle value, or the mean of the two middle ones', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(/empty/);
  });
});
