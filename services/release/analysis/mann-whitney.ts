// Mann-Whitney U (Wilcoxon rank-sum) test between the baseline and the canary, with the tie
// correction of the variance and the normal approximation with continuity correction (as in
// Kayenta's classifier and scipy.stats.mannwhitneyu(method="asymptotic")). Histograms are the
// natural input: every observation in a bucket ties with the others in that bucket, so the test
// runs on "tie groups" in ascending order, and raw samples are grouped the same way.
import { z } from 'zod';
import { median as sampleMedian } from '../../core/stats.ts';
import { histogramQuantile, parseHistogramPair } from './histogram.ts';
import { parseInput } from './input.ts';
import { normalCdf, normalSf } from './normal.ts';

/** How many baseline and canary observations share one value (or one bucket); ascending order. */
export interface TieGroup {
  baseline: number;
  canary: number;
}

export interface MannWhitneyResult {
  nBaseline: number;
  nCanary: number;
  /** U of the canary: pairs (canary, baseline) with the canary larger, plus half the ties. */
  uCanary: number;
  uBaseline: number;
  /** Continuity-corrected z of the two-sided test, signed: positive when the canary is larger. */
  z: number;
  pTwoSided: number;
  /** One-sided p for "the canary is stochastically larger" (e.g. slower). */
  pGreater: number;
  /** One-sided p for "the canary is stochastically smaller". */
  pLess: number;
  /** P(canary > baseline) + ½·P(tie), = U_canary / (n₁·n₂): the common-language effect size. */
  probabilityOfSuperiority: number;
  /** Cliff's delta = P(canary > baseline) − P(canary < baseline) = 2·PS − 1, in [−1, 1]. */
  cliffsDelta: number;
}

/**
 * The test on tie groups. Ranks: a group of t tied values occupying ranks k+1 … k+t gets the
 * midrank k + (t+1)/2. U_canary = R_canary − n₂(n₂+1)/2; under H₀ its mean is n₁n₂/2 and its
 * variance n₁n₂/12 · ((N+1) − Σ(t³−t)/(N(N−1))). With no variance (an empty track, or every value
 * tied) there is no evidence of a difference: z = 0, p = 1, and NaN effect sizes when a track is empty.
 */
export function mannWhitneyGrouped(groups: readonly TieGroup[]): MannWhitneyResult {
  let n1 = 0;
  let n2 = 0;
  for (const g of groups) {
    n1 += g.baseline;
    n2 += g.canary;
  }
  const n = n1 + n2;
  let rankBelow = 0;
  let rankSumCanary = 0;
  let tieSum = 0;
  for (const g of groups) {
    const t = g.baseline + g.canary;
    rankSumCanary += g.canary * (rankBelow + (t + 1) / 2);
    tieSum += t * t * t - t;
    rankBelow += t;
  }
  const uCanary = rankSumCanary - (n2 * (n2 + 1)) / 2;
  const pairs = n1 * n2;
  const mean = pairs / 2;
  const variance = n > 1 ? (pairs / 12) * (n + 1 - tieSum / (n * (n - 1))) : 0;
  const ps = pairs > 0 ? uCanary / pairs : Number.NaN;
  const base = { nBaseline: n1, nCanary: n2, uCanary, uBaseline: pairs - uCanary, probabilityOfSuperiority: ps, cliffsDelta: 2 * ps - 1 };
  if (!(variance > 0)) return { ...base, z: 0, pTwoSided: 1, pGreater: 1, pLess: 1 };
  const sd = Math.sqrt(variance);
  const diff = uCanary - mean;
  // Continuity correction: move |U − mean| half a unit towards 0 (never past it).
  const z = (Math.sign(diff) * Math.max(0, Math.abs(diff) - 0.5)) / sd;
  return {
    ...base,
    z,
    pTwoSided: Math.min(1, 2 * normalSf(Math.abs(z))),
    pGreater: normalSf((diff - 0.5) / sd),
    pLess: normalCdf((diff + 0.5) / sd),
  };
}

/** Raw samples sorted and grouped by equal value. */
export function groupSamples(baseline: readonly number[], canary: readonly number[]): TieGroup[] {
  const tagged = [...baseline.map((v) => [v, 0] as const), ...canary.map((v) => [v, 1] as const)].sort((a, b) => a[0] - b[0]);
  const groups: TieGroup[] = [];
  let last = Number.NaN;
  for (const [value, track] of tagged) {
    if (value !== last || groups.length === 0) groups.push({ baseline: 0, canary: 0 });
    groups[groups.length - 1][track === 0 ? 'baseline' : 'canary'] += 1;
    last = value;
  }
  return groups;
}

export interface LatencyComparison extends MannWhitneyResult {
  baselineMedian: number;
  canaryMedian: number;
  /** canary median / baseline median: the effect-size tolerance applies to it (1.1 = 10 % slower). */
  medianRatio: number;
}

function withMedians(result: MannWhitneyResult, baselineMedian: number, canaryMedian: number): LatencyComparison {
  return { ...result, baselineMedian, canaryMedian, medianRatio: ratio(canaryMedian, baselineMedian) };
}

/** a / b, with 0/0 = 1 (both zero: no change) and NaN when either is unknown. */
function ratio(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  if (b === 0) return a === 0 ? 1 : Infinity;
  return a / b;
}

/** The test on one interval's histograms (per-bucket counts; see histogram.ts), medians interpolated within buckets. */
export function compareHistograms(input: unknown): LatencyComparison {
  const h = parseHistogramPair(input);
  const groups = h.upperBounds.map((_, i) => ({ baseline: h.baseline[i], canary: h.canary[i] }));
  return withMedians(
    mannWhitneyGrouped(groups),
    histogramQuantile(h.upperBounds, h.baseline, 0.5),
    histogramQuantile(h.upperBounds, h.canary, 0.5),
  );
}

export const samplePairSchema = z.object({
  baseline: z.array(z.number().finite()),
  canary: z.array(z.number().finite()),
});

/** The test on raw samples; medians are the usual sample medians. */
export function compareSamples(input: unknown): LatencyComparison {
  const s = parseInput(samplePairSchema, input, 'samples');
  return withMedians(mannWhitneyGrouped(groupSamples(s.baseline, s.canary)), median(s.baseline), median(s.canary));
}

/** The stack's median (core/stats.ts), NaN for an empty track rather than an error: that is nodata. */
function median(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : sampleMedian(values);
}
