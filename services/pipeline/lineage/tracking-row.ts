// Builds a version's lineage row from what the run produced (pure).
import type { Manifest } from '../../model/index.ts';
import type { RelativeGateDecision } from '../run/relative-gate.ts';
import type { TrackingGate, TrackingRanking, TrackingRow } from './tracking.ts';

export interface VersionFacts {
  version: number;
  manifest: Manifest;
  dataMd5: string;
  modelMd5: string;
  gitCommit: string | null;
  dataCreatedAt: Date;
  /** Held-out fraction used for the metrics; recorded with the parameters. */
  holdout: number;
  /** Ranking quality of the version's lists (null when the model reported none). */
  ranking: TrackingRanking | null;
  /** The relative gate's decision that let the version through. */
  gate: RelativeGateDecision | null;
}

export function trackingGateOf(d: RelativeGateDecision): TrackingGate {
  return {
    decision: d.decision,
    baselineVersion: d.currentVersion,
    users: d.users,
    candidateNdcg: d.candidateNdcg,
    baselineNdcg: d.currentNdcg,
    diff: d.diff,
    low: d.low,
    high: d.high,
    confidence: d.confidence,
    tolerance: d.tolerance,
  };
}

export function trackingRowFor(f: VersionFacts): TrackingRow {
  return {
    versionNumber: String(f.version),
    dataCreation: f.dataCreatedAt,
    trainedOn: new Date(f.manifest.trainedAt),
    modelRmse: f.manifest.metrics.rmse,
    modelMae: Number.isFinite(f.manifest.metrics.mae) ? f.manifest.metrics.mae : null,
    dataMd5: f.dataMd5,
    modelMd5: f.modelMd5,
    gitCommit: f.gitCommit,
    ratingCount: f.manifest.data.ratings,
    params: { ...f.manifest.params, holdout: f.holdout },
    ranking: f.ranking,
    gate: f.gate === null ? null : trackingGateOf(f.gate),
  };
}
