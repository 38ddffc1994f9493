// check-data's no-shrink rule inside the run. A clean_rating.csv with fewer rows than the last
// published version (cut short at a row boundary, an old backup restored, emptied) is well formed, so
// only this comparison catches it; versioning it would publish the loss as a new version. The run
// checks before it collects (so nothing new is consumed onto the short file, and restoring the file
// from the last version loses nothing) and again before it trains (the snapshot it would version).
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { MarqueeError } from '../../core/errors.ts';
import { countRows, previousRowCount } from '../check-data/previous-count.ts';
import { shrinkProblem } from '../check-data/validate.ts';
import type { WorkdirLayout } from '../version/layout.ts';

/** The data has fewer rows than the version that serves: the run stops and versions nothing. */
export class DataShrankError extends MarqueeError {
  readonly rows: number;
  readonly previousRows: number;
  readonly previousVersion: number;

  constructor(
    message: string,
    rows: number,
    previousRows: number,
    previousVersion: number,
  ) {
    super('DATA_SHRANK', message);
    this.rows = rows;
    this.previousRows = previousRows;
    this.previousVersion = previousVersion;
  }
}

export interface RowCheck {
  rows: number;
  /** null on the first version. */
  previousRows: number | null;
}

/**
 * Throws DataShrankError when `layout.ratings` has fewer rows than version `previousVersion`
 * (its `.dvc` file at git HEAD); a missing file counts as 0 rows. Once a version exists its count
 * must be found (DVC cache or `remoteDirs`), else the run cannot tell and refuses too.
 */
export async function checkNotShrunk(layout: WorkdirLayout, previousVersion: number, remoteDirs: readonly string[]): Promise<RowCheck> {
  const shown = relative(layout.root, layout.ratings);
  const rows = existsSync(layout.ratings) ? countRows(readFileSync(layout.ratings, 'utf8')) : 0;
  const previous = await previousRowCount(layout.ratings, remoteDirs);
  if (!previous) {
    if (previousVersion === 0) return { rows, previousRows: null };
    throw new MarqueeError(
      'INPUT',
      `cannot count the rows of version ${previousVersion}: ${shown}.dvc is not committed at HEAD or its object is in neither ` +
        `.dvc/cache nor DVC_REMOTE (${remoteDirs.join(', ')}); refusing to version data that may have shrunk`,
    );
  }
  const problem = shrinkProblem(rows, previous.count);
  if (problem) {
    throw new DataShrankError(
      `${shown} ${problem} (version ${previousVersion}, from the ${previous.source}); refusing to version it, ` +
        `version ${previousVersion} keeps serving. Restore the file (dvc checkout ${shown}.dvc) or find what cut it, then run again`,
      rows,
      previous.count,
      previousVersion,
    );
  }
  return { rows, previousRows: previous.count };
}
