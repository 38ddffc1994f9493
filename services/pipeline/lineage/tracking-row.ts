// Builds a version's lineage row from what the run produced (pure).
import type { Manifest } from '../../model/types.ts';
import type { TrackingRow } from './tracking.ts';

export interface VersionFacts {
  version: number;
  manifest: Manifest;
  dataMd5: string;
  modelMd5: string;
  gitCommit: string | null;
  dataCreatedAt: Date;
  /** Held-out fraction used for the metrics; recorded with the parameters. */
  holdout: number;
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
  };
}
