// A run's outcome as a flat, JSON-ready summary: what `--json` prints, what the worker logs and what
// the notifications are written from (pure).
import type { TrackingRanking } from '../lineage/tracking.ts';
import type { IngestReport } from '../types.ts';
import type { Versioned } from '../version/create-version.ts';
import type { Published } from '../version/git-publish.ts';
import type { RunOutcome, StepName, StepTiming } from './orchestrate.ts';
import { rankingOf } from './evidence.ts';
import type { RunGateDecision } from './gate.ts';
import type { RelativeGateDecision } from './relative-gate.ts';
import type { Collected, Prepared, Trained } from './types.ts';

export type PipelineOutcome = RunOutcome<Prepared, Collected, Trained, Versioned, Published, RunGateDecision>;

/** The relative gate's evidence as the summary, the alerts and `tracking` report it. */
export interface RelativeGateSummary {
  decision: RelativeGateDecision['decision'];
  reason: string;
  /** The served version the candidate was scored against (null: none served yet). */
  servedVersion: string | null;
  users: number;
  candidateNdcg: number | null;
  servedNdcg: number | null;
  /** Mean of candidate − served per user, and its paired bootstrap interval. */
  diff: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  tolerance: number;
}

export function relativeGateSummary(d: RelativeGateDecision): RelativeGateSummary {
  return {
    decision: d.decision,
    reason: d.reason,
    servedVersion: d.currentVersion,
    users: d.users,
    candidateNdcg: d.candidateNdcg,
    servedNdcg: d.currentNdcg,
    diff: d.diff,
    low: d.low,
    high: d.high,
    confidence: d.confidence,
    tolerance: d.tolerance,
  };
}

export interface RunSummary {
  status: 'published' | 'gate-failed' | 'failed';
  runId?: string;
  /** The published version, or the candidate that failed. */
  version?: number;
  previousVersion?: number;
  failedStep?: StepName;
  error?: string;
  /** For a failure: whether everything the run changed was put back. */
  rolledBack?: boolean;
  cleanupErrors?: string[];
  rmse?: number;
  mae?: number;
  threshold: number;
  /** The ranking model's list quality on the held-out data. */
  ranking?: TrackingRanking;
  /** Which gates refused the candidate (status 'gate-failed'). */
  refusedBy?: Array<'rmse' | 'relative'>;
  relativeGate?: RelativeGateSummary;
  ingest?: {
    lines: number;
    events: IngestReport['events'];
    rejected: number;
    rejectedByReason: Record<string, number>;
    ratingsAdded: number;
    ratingsUpdated: number;
  };
  ratings?: number;
  trainCount?: number;
  testCount?: number;
  commit?: string;
  pushAttempts?: number;
  dataMd5?: string;
  modelMd5?: string;
  timings: StepTiming[];
  seconds: number;
}

export function summarize(o: PipelineOutcome, threshold: number): RunSummary {
  const s: RunSummary = {
    status: o.status,
    threshold,
    timings: o.timings,
    seconds: Number(o.timings.reduce((a, t) => a + t.seconds, 0).toFixed(3)),
  };
  if (o.prepared) {
    s.runId = o.prepared.runId;
    s.version = o.prepared.version;
    s.previousVersion = o.prepared.previousVersion;
  }
  if (o.collected) {
    const r = o.collected.report;
    s.ingest = {
      lines: r.lines,
      events: r.events,
      rejected: Object.values(r.rejected).reduce((a, b) => a + b, 0),
      rejectedByReason: r.rejected,
      ratingsAdded: r.ratingsAdded,
      ratingsUpdated: r.ratingsUpdated,
    };
  }
  if (o.trained) {
    s.rmse = o.trained.metrics.rmse;
    s.mae = o.trained.metrics.mae;
    s.ratings = o.trained.manifest.data.ratings;
    s.trainCount = o.trained.nTrain;
    s.testCount = o.trained.nTest;
    const ranking = rankingOf(o.trained);
    if (ranking) s.ranking = ranking;
  }
  const decision = o.decision;
  if (decision) {
    s.relativeGate = relativeGateSummary(decision.relative);
    if (!decision.pass) s.refusedBy = [...(decision.rmse.pass ? [] : ['rmse' as const]), ...(decision.relative.pass ? [] : ['relative' as const])];
  }
  if (o.status !== 'gate-failed' && o.versioned) {
    s.dataMd5 = o.versioned.data.md5;
    s.modelMd5 = o.versioned.model.md5;
  }
  if (o.status !== 'gate-failed' && o.published) {
    s.commit = o.published.commit;
    s.pushAttempts = o.published.attempts;
  }
  if (o.status === 'failed') {
    s.failedStep = o.step;
    s.error = o.error.message;
    s.rolledBack = o.rolledBack;
    if (o.rollbackErrors.length) s.cleanupErrors = o.rollbackErrors;
  }
  if (o.status === 'gate-failed' && o.cleanupErrors.length) s.cleanupErrors = o.cleanupErrors;
  return s;
}

/** Process exit code for a run: 0 published, 3 stopped by the gate, 1 failed. */
export function exitCodeFor(s: RunSummary): number {
  return s.status === 'published' ? 0 : s.status === 'gate-failed' ? 3 : 1;
}
