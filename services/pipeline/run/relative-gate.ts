// The relative gate: is the candidate's ranking worse than the served model's? (pure)
//
// Input: nDCG@20 of the candidate and of the currently served model for the SAME held-out users,
// user by user (paired). d_u = candidate_u − current_u; the observed difference is mean(d).
// Paired bootstrap over users: `resamples` times, draw n users with replacement (seeded sfc32, so
// a seed gives the same interval on every machine) and take the mean of their d; the interval is
// the percentile interval of those means at `confidence` (two-sided: the (1−c)/2 and (1+c)/2
// quantiles, linear interpolation between order statistics, Hyndman & Fan type 7).
//
// Decision: REFUSE when the whole interval lies below −tolerance, i.e. its upper bound
// < −tolerance: the candidate is worse by more than the tolerance with confidence (1+c)/2 (one-sided).
// Otherwise PASS. The burden of proof is on "worse": a candidate trained on more data is the
// default, and a small or noisy test set (a wide interval) never blocks it. Tolerance is absolute,
// in nDCG@20 points (0.01 = one point in a hundred).
// No served model (the first run) or no common held-out user: PASS, with the reason said.
import { quantileSorted } from '../../core/stats.ts';
import { nextFloat, seedState } from '../../model/index.ts';

export interface RelativeGateSettings {
  /** Refuse only when the candidate is worse by more than this (absolute nDCG@20). */
  tolerance: number;
  /** Two-sided confidence of the interval, in (0, 1). */
  confidence: number;
  resamples: number;
  seed: number;
}

export const DEFAULT_RELATIVE_GATE: RelativeGateSettings = { tolerance: 0.01, confidence: 0.95, resamples: 2000, seed: 42 };

/** Per-user nDCG@20 of both models on the same held-out users (index u is one user in both). */
export interface PairedScores {
  candidate: ArrayLike<number>;
  current: ArrayLike<number>;
  /** The served model's version the candidate was compared with. */
  currentVersion: string;
}

export interface RelativeGateDecision {
  pass: boolean;
  /** `refuse` only when the interval lies below −tolerance; `no-baseline` when nothing was compared. */
  decision: 'pass' | 'refuse' | 'no-baseline';
  reason: string;
  currentVersion: string | null;
  users: number;
  /** Mean nDCG@20 over the compared users. */
  candidateNdcg: number | null;
  currentNdcg: number | null;
  /** mean(candidate − current), and its bootstrap interval. */
  diff: number | null;
  low: number | null;
  high: number | null;
  tolerance: number;
  confidence: number;
  resamples: number;
  seed: number;
}

export function checkRelativeGateSettings(s: RelativeGateSettings): void {
  const bad: string[] = [];
  if (!(Number.isFinite(s.tolerance) && s.tolerance >= 0)) bad.push(`tolerance ${s.tolerance} (>= 0)`);
  if (!(s.confidence > 0 && s.confidence < 1)) bad.push(`confidence ${s.confidence} (between 0 and 1)`);
  if (!(Number.isInteger(s.resamples) && s.resamples >= 1)) bad.push(`resamples ${s.resamples} (a positive integer)`);
  if (!(Number.isInteger(s.seed) && s.seed >= 0)) bad.push(`seed ${s.seed} (a non-negative integer)`);
  if (bad.length) throw new RangeError(`relative gate settings: ${bad.join(', ')}`);
}

/**
 * `resamples` bootstrap means of `diffs`: each draws diffs.length indexes with `nextIndex(n)`
 * (uniform on 0..n−1). Returned ascending.
 */
export function bootstrapMeans(diffs: ArrayLike<number>, resamples: number, nextIndex: (n: number) => number): Float64Array {
  const n = diffs.length;
  const means = new Float64Array(resamples);
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += diffs[nextIndex(n)];
    means[b] = sum / n;
  }
  return means.sort();
}

/** Seeded uniform index source for bootstrapMeans. */
export function seededIndex(seed: number): (n: number) => number {
  const state = seedState(seed, 0xb007);
  return (n) => Math.floor(nextFloat(state) * n);
}

export function pairedBootstrapInterval(
  diffs: ArrayLike<number>,
  s: Pick<RelativeGateSettings, 'confidence' | 'resamples' | 'seed'>,
): { low: number; high: number } {
  const means = bootstrapMeans(diffs, s.resamples, seededIndex(s.seed));
  const alpha = (1 - s.confidence) / 2;
  return { low: quantileSorted(means, alpha), high: quantileSorted(means, 1 - alpha) };
}

const mean = (xs: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += xs[i];
  return sum / xs.length;
};

const f4 = (v: number) => v.toFixed(4);

export function relativeGate(scores: PairedScores | null, s: RelativeGateSettings): RelativeGateDecision {
  checkRelativeGateSettings(s);
  const base = { tolerance: s.tolerance, confidence: s.confidence, resamples: s.resamples, seed: s.seed };
  const empty = { candidateNdcg: null, currentNdcg: null, diff: null, low: null, high: null };
  if (scores === null) {
    return { pass: true, decision: 'no-baseline', reason: 'no model is served yet: nothing to compare with', currentVersion: null, users: 0, ...empty, ...base };
  }
  const n = scores.candidate.length;
  if (scores.current.length !== n) {
    throw new RangeError(`paired scores differ in length: candidate ${n} users, current ${scores.current.length}`);
  }
  const currentVersion = scores.currentVersion;
  if (n === 0) {
    return {
      pass: true,
      decision: 'no-baseline',
      reason: `no held-out user to compare with version ${currentVersion} on`,
      currentVersion,
      users: 0,
      ...empty,
      ...base,
    };
  }
  const diffs = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const c = scores.candidate[u];
    const b = scores.current[u];
    if (!Number.isFinite(c) || !Number.isFinite(b)) throw new RangeError(`user ${u}: nDCG@20 candidate ${c}, current ${b} (not finite)`);
    diffs[u] = c - b;
  }
  const { low, high } = pairedBootstrapInterval(diffs, s);
  const diff = mean(diffs);
  const candidateNdcg = mean(scores.candidate);
  const currentNdcg = mean(scores.current);
  const pct = `${Number((s.confidence * 100).toFixed(2))}%`;
  const interval = `difference ${f4(diff)}, ${pct} interval [${f4(low)}, ${f4(high)}] over ${n} users`;
  const pass = !(high < -s.tolerance);
  const reason = pass
    ? `nDCG@20 ${f4(candidateNdcg)} vs ${f4(currentNdcg)} (version ${currentVersion}): ${interval}, not worse beyond the tolerance ${s.tolerance}`
    : `nDCG@20 ${f4(candidateNdcg)} is worse than version ${currentVersion}'s ${f4(currentNdcg)} beyond the tolerance ${s.tolerance}: ${interval}`;
  return { pass, decision: pass ? 'pass' : 'refuse', reason, currentVersion, users: n, candidateNdcg, currentNdcg, diff, low, high, ...base };
}
