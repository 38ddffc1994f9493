// What the run reads from the trainer's result, in one place: the rating model's error (RMSE gate),
// the ranking model's list quality (summary, alerts, tracking) and the per-user nDCG@20 of the
// candidate and of the served model on the same held-out users (relative gate). (pure)
import type { TrackingRanking } from '../lineage/tracking.ts';
import type { PairedScores } from './relative-gate.ts';
import type { Trained } from './types.ts';

/** Ranking metrics as the model reports them (services/model evaluateRanking / EvalMetrics). */
interface RankingLike {
  ndcgAt20?: number;
  precisionAt20?: number;
  recallAt20?: number;
  coverage?: number;
  popularityPercentile?: number;
}

/** The trainer's paired comparison (services/model compareRanking). */
interface ComparisonLike {
  candidate: ArrayLike<number>;
  baseline: ArrayLike<number>;
}

interface ResultLike {
  metrics: { rmse: number; mae: number } & RankingLike;
  ranking?: { metrics?: RankingLike } | RankingLike;
  comparison?: ComparisonLike | null;
}

const orNull = (v: number | undefined): number | null => (v === undefined || !Number.isFinite(v) ? null : v);

function rankingMetrics(t: Trained): RankingLike {
  const r = t as unknown as ResultLike;
  const ranking = r.ranking as ({ metrics?: RankingLike } & RankingLike) | undefined;
  return ranking?.metrics ?? ranking ?? r.metrics;
}

/** List quality of the candidate's ranking model, for the summary and the tracking row. */
export function rankingOf(t: Trained): TrackingRanking | null {
  const m = rankingMetrics(t);
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
  const c = (t as unknown as ResultLike).comparison;
  // TRANSITIONAL until the model's runTraining({ baseline }) reports its comparison: judged as
  // "nothing compared" (zero users). Then this becomes an error.
  if (!c) return { candidate: [], current: [], currentVersion: t.served.version };
  return { candidate: c.candidate, current: c.baseline, currentVersion: t.served.version };
}
