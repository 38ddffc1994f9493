// The pipeline's notifications, written from a run summary (pure).
import type { Notification } from '../../core/notify/types.ts';
import type { RelativeGateSummary, RunSummary } from './summary.ts';

const round = (v: number | null | undefined) => (v === undefined || v === null ? undefined : Number(v.toFixed(4)));

/** The ranking model's list quality, as alert fields. */
function rankingFields(s: RunSummary) {
  const r = s.ranking;
  return {
    ndcg_at_20: round(r?.ndcgAt20),
    precision_at_20: round(r?.precisionAt20),
    recall_at_20: round(r?.recallAt20),
    coverage: round(r?.coverage),
    popularity_bias: round(r?.popularityBias),
  };
}

/** The relative gate's decision, both scores and the interval, as alert fields. */
function relativeFields(g: RelativeGateSummary | undefined) {
  if (!g) return {};
  return {
    relative_gate: g.decision,
    served_version: g.servedVersion ?? undefined,
    gate_users: g.users,
    candidate_ndcg_at_20: round(g.candidateNdcg),
    served_ndcg_at_20: round(g.servedNdcg),
    ndcg_diff: round(g.diff),
    ndcg_diff_interval: g.low === null || g.high === null ? undefined : `[${round(g.low)}, ${round(g.high)}] at ${Number((g.confidence * 100).toFixed(2))}%`,
    ndcg_tolerance: g.tolerance,
  };
}

/** One sentence for the alert's text. */
const relativeLine = (g: RelativeGateSummary | undefined) => (g ? `\nRelative gate (${g.decision}): ${g.reason}.` : '');

export function runNotification(s: RunSummary): Notification {
  const counts = {
    lines: s.ingest?.lines,
    rejected_lines: s.ingest?.rejected,
    ratings_added: s.ingest?.ratingsAdded,
    ratings: s.ratings,
    train: s.trainCount,
    test: s.testCount,
  };
  if (s.status === 'published') {
    return {
      level: 'success',
      subject: `model version ${s.version} published (RMSE ${round(s.rmse)}${s.ranking?.ndcgAt20 == null ? '' : `, nDCG@20 ${round(s.ranking.ndcgAt20)}`})`,
      text:
        `Pipeline run ${s.runId} trained, evaluated and versioned model ${s.version} ` +
        `(RMSE ${round(s.rmse)} < ${s.threshold}) and pushed commit ${s.commit?.slice(0, 12)}.` +
        relativeLine(s.relativeGate),
      fields: {
        version: s.version,
        rmse: round(s.rmse),
        mae: round(s.mae),
        threshold: s.threshold,
        ...rankingFields(s),
        ...relativeFields(s.relativeGate),
        ...counts,
        commit: s.commit,
        push_attempts: s.pushAttempts,
        seconds: round(s.seconds),
      },
    };
  }
  if (s.status === 'gate-failed') {
    const g = s.relativeGate;
    const byRmse = s.refusedBy === undefined || s.refusedBy.includes('rmse');
    const serving = s.previousVersion ? `version ${s.previousVersion} keeps serving` : 'the serving model is unchanged';
    return {
      level: 'failure',
      subject: byRmse
        ? `quality gate failed: RMSE ${round(s.rmse)} >= ${s.threshold}`
        : `relative gate refused version ${s.version}: nDCG@20 ${round(g?.candidateNdcg)} vs ${round(g?.servedNdcg)} of served version ${g?.servedVersion}`,
      text:
        (byRmse
          ? `Pipeline run ${s.runId} trained a candidate for version ${s.version} with RMSE ${round(s.rmse)}, not below the threshold ${s.threshold}.`
          : `Pipeline run ${s.runId} trained a candidate for version ${s.version} whose lists are worse than the served model's.`) +
        relativeLine(g) +
        `\nNothing was versioned; ${serving}.`,
      fields: {
        candidate_version: s.version,
        refused_by: s.refusedBy?.join(', '),
        rmse: round(s.rmse),
        mae: round(s.mae),
        threshold: s.threshold,
        ...rankingFields(s),
        ...relativeFields(g),
        ...counts,
      },
    };
  }
  const published = s.commit !== undefined;
  const after = published
    ? `Version ${s.version} was already pushed (commit ${s.commit?.slice(0, 12)}); its lineage row is missing.`
    : s.rolledBack
      ? 'Nothing was versioned; the working copy and the serving model are as they were.'
      : `Clean-up was incomplete: ${(s.cleanupErrors ?? []).join('; ')}`;
  return {
    level: 'failure',
    subject: `pipeline run failed at step '${s.failedStep}'`,
    text: `Pipeline run ${s.runId ?? '(not started)'} failed at step '${s.failedStep}': ${s.error}\n${after}`,
    fields: {
      step: s.failedStep,
      error: s.error,
      candidate_version: s.version,
      rmse: round(s.rmse),
      threshold: s.threshold,
      ...counts,
      commit: s.commit,
      rolled_back: s.rolledBack,
    },
  };
}
