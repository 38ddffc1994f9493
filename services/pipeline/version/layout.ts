// Where the pipeline keeps things inside its git working copy (the project's own layout).
import { join } from 'node:path';

export interface WorkdirLayout {
  root: string;
  dataDir: string;
  /** Clean ratings: the data snapshot that is versioned and trained on. */
  ratings: string;
  versionFile: string;
  modelsDir: string;
  modelDir(version: number): string;
  /** Where a run trains before the gate decides; never served. */
  stagingDir(runId: string): string;
}

export const STAGING_PREFIX = '.staging-';

export function workdirLayout(root: string): WorkdirLayout {
  return {
    root,
    dataDir: join(root, 'data'),
    ratings: join(root, 'data', 'clean_rating.csv'),
    versionFile: join(root, 'data', 'version.txt'),
    modelsDir: join(root, 'models'),
    modelDir: (version) => join(root, 'models', String(version)),
    stagingDir: (runId) => join(root, 'models', `${STAGING_PREFIX}${runId}`),
  };
}
