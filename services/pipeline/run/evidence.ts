// What the run reads from the trainer's result, in one place: the rating model's error (RMSE gate),
// the served (ranking) model's list quality (summary, alerts, tracking) and the per-user nDCG@20 of
// the candidate and of the served model on the same held-out users (relative gate). (pure)
import type { TrackingRanking } from '../lineage/tracking.ts';
import type { PairedScores } from './relative-gate.ts';
import type { Trained } from './types.ts';
import { MarqueeError } from '../../core/errors.ts';

const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

/** List quality of the candidate's served lists, for the summary and the tracking row (null: none measured). */
export function rankingOf(t: Trained): TrackingRanking | null {
  const m = t.metrics;
  const out: TrackingRanking = {
    ndcgAt20: orNull(m.ndcgAt20),
    precisionAt20: orNull(m.precisionAt20),
    recallAt20: orNull(m.recallAt20),
    coverage: orNull(m.coverage),
    popularityBias: orNull(m.popularityPercentile),
  };
  return Object.values(out).every((v) => v === null) ? null : out;
}

/**
 * The paired per-user scores for the relative gate: null when nothing is served yet. A served model
 * the trainer did not compare with is an error: a candidate is never let through unjudged.
 */
export function pairedScoresOf(t: Trained): PairedScores | null {
  if (t.served === null) return null;
  const c = t.comparison;
  if (!c) throw new MarqueeError('ARTIFACT', `training reported no comparison with the served model version ${t.served.version}`);
  if (c.baselineVersion !== t.served.version) {
    throw new MarqueeError('ARTIFACT', `the served model in ${t.served.dir} says it is version ${c.baselineVersion}, expected ${t.served.version}`);
  }
  return { candidate: c.candidate, current: c.baseline, currentVersion: t.served.version };
}
