// Order statistics of a sample: the quantile most figures here use (linear interpolation between
// order statistics, Hyndman & Fan's type 7, the default of R and NumPy), the median, and the
// nearest-rank quantile (type 1) for reports whose percentiles must be values actually observed.

/** The q-quantile of ascending `sorted` (type 7: linear between the order statistics). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * The nearest-rank q-quantile of ascending `sorted` (type 1: the ceil(q·n)-th smallest value, so
 * always one of the sample's own values; q = 0 gives the smallest).
 */
export function nearestRankSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('quantile of an empty sample');
  return sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}

/** The q-quantile of `xs` in any order (left as it is). */
export function quantile(xs: ReadonlyArray<number>, q: number): number {
  return quantileSorted([...xs].sort((a, b) => a - b), q);
}

/** The middle value of `xs` (the mean of the two middle ones for an even count). */
export function median(xs: ReadonlyArray<number>): number {
  return quantile(xs, 0.5);
}
