import { describe, expect, it } from 'vitest';
import { dot } from '../dot.ts';

describe('dot', () => {
  it('multiplies k entries from each offset, for every k around the unrolled width', () => {
    const a = Float32Array.from({ length: 20 }, (_, i) => i + 1);
    const b = Float64Array.from({ length: 20 }, (_, i) => 20 - i);
    for (let k = 0; k <= 9; k++) {
      let want = 0;
      for (let f = 0; f < k; f++) want += a[3 + f] * b[5 + f];
      expect(dot(a, 3, b, 5, k)).toBe(want);
    }
  });

  it('adds as four interleaved sums joined as (s0 + s1) + (s2 + s3)', () => {
    // 1e16 + 1 rounds to 1e16, so the order of the adds shows: left to right the sum is 2; here
    // s0 = 1e16 (+1 from the tail, lost), s1 = 1, s2 = -1e16, s3 = 1, and (1e16 + 1) + (-1e16 + 1) is 0.
    const a = Float64Array.from([1e16, 1, -1e16, 1, 1]);
    const ones = new Float64Array(5).fill(1);
    expect(dot(a, 0, ones, 0, 5)).toBe(0);
  });
});
