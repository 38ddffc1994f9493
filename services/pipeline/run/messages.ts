// The pipeline's notifications, written from a run summary (pure).
import type { Notification } from '../notify/types.ts';
import type { RunSummary } from './summary.ts';

const round = (v: number | undefined) => (v === undefined ? undefined : Number(v.toFixed(4)));

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
      subject: `model version ${s.version} published (RMSE ${round(s.rmse)})`,
      text:
        `Pipeline run ${s.runId} trained, evaluated and versioned model ${s.version} ` +
        `(RMSE ${round(s.rmse)} < ${s.threshold}) and pushed commit ${s.commit?.slice(0, 12)}.`,
      fields: {
        version: s.version,
        rmse: round(s.rmse),
        mae: round(s.mae),
        threshold: s.threshold,
        ...counts,
        commit: s.commit,
        push_attempts: s.pushAttempts,
        seconds: round(s.seconds),
      },
    };
  }
  if (s.status === 'gate-failed') {
    return {
      level: 'failure',
      subject: `quality gate failed: RMSE ${round(s.rmse)} >= ${s.threshold}`,
      text:
        `Pipeline run ${s.runId} trained a candidate for version ${s.version} with RMSE ${round(s.rmse)}, ` +
        `not below the threshold ${s.threshold}. Nothing was versioned; the serving model is unchanged.`,
      fields: { candidate_version: s.version, rmse: round(s.rmse), mae: round(s.mae), threshold: s.threshold, ...counts },
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
