// Order statistics of a sample: the quantile every figure here uses (linear interpolation between
// order statistics, Hyndman & Fan's type 7, the default of R and NumPy) and the median.

/** The q-quantile of ascending `sorted` (type 7: linear between the order statistics). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** The q-quantile of `xs` in any order (left as it is). */
export function quantile(xs: ReadonlyArray<number>, q: number): number {
  return quantileSorted([...xs].sort((a, b) => a - b), q);
}

/** The middle value of `xs` (the mean of the two middle ones for an even count). */
export function median(xs: ReadonlyArray<number>): number {
  return quantile(xs, 0.5);
}
