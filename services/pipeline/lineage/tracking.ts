// Lineage rows in the `tracking` table (services/core/db/migrations/001_*, 003_*): one per published
// version. A version is a name (core/model-version.ts), stored and matched as text, never as a number.
import type mysql from 'mysql2/promise';
import { MODEL_VERSION_PATTERN, MODEL_VERSION_RULE, PIPELINE_VERSION_REGEXP } from '../../core/model-version.ts';

export interface TrackingRow {
  /** The model version's name: `7` for the pipeline's seventh version. */
  versionNumber: string;
  /** When the data snapshot was written. */
  dataCreation: Date;
  trainedOn: Date;
  modelRmse: number;
  modelMae: number | null;
  dataMd5: string;
  modelMd5: string;
  gitCommit: string | null;
  ratingCount: number;
  params: Record<string, unknown> | null;
}

/** A pool or a single connection. */
export type Queryable = Pick<mysql.Pool, 'query'>;

export async function insertTracking(db: Queryable, row: TrackingRow): Promise<void> {
  validate(row);
  await db.query(
    `INSERT INTO tracking (version_number, data_creation, trained_on, model_rmse, model_mae, data_md5, model_md5,
       git_commit, rating_count, params) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.versionNumber,
      row.dataCreation,
      row.trainedOn,
      row.modelRmse,
      row.modelMae,
      row.dataMd5,
      row.modelMd5,
      row.gitCommit,
      row.ratingCount,
      row.params === null ? null : JSON.stringify(row.params),
    ],
  );
}

interface DbRow {
  version_number: string;
  data_creation: Date;
  trained_on: Date;
  model_rmse: number;
  model_mae: number | null;
  data_md5: string;
  model_md5: string;
  git_commit: string | null;
  rating_count: number;
  params: string | null;
}

export async function findTracking(db: Queryable, version: string): Promise<TrackingRow | null> {
  const [rows] = await db.query('SELECT * FROM tracking WHERE version_number = ?', [version]);
  const row = (rows as DbRow[])[0];
  return row ? fromDb(row) : null;
}

/**
 * The highest pipeline version tracked, or null when there is none. Only canonical numbers count
 * (not `sample`), ordered by length then text: numeric order (9 < 10) without a cast per row.
 */
export async function latestTrackedVersion(db: Queryable): Promise<number | null> {
  const [rows] = await db.query(
    `SELECT version_number AS v FROM tracking WHERE version_number REGEXP ?
      ORDER BY CHAR_LENGTH(version_number) DESC, version_number DESC LIMIT 1`,
    [PIPELINE_VERSION_REGEXP],
  );
  const v = (rows as { v: string }[])[0]?.v;
  return v === undefined ? null : Number(v);
}

function fromDb(r: DbRow): TrackingRow {
  return {
    versionNumber: r.version_number,
    dataCreation: r.data_creation,
    trainedOn: r.trained_on,
    modelRmse: Number(r.model_rmse),
    modelMae: r.model_mae === null ? null : Number(r.model_mae),
    dataMd5: r.data_md5,
    modelMd5: r.model_md5,
    gitCommit: r.git_commit,
    ratingCount: Number(r.rating_count),
    params: r.params === null ? null : (JSON.parse(r.params) as Record<string, unknown>),
  };
}

function validate(row: TrackingRow): void {
  const problems: string[] = [];
  if (!MODEL_VERSION_PATTERN.test(row.versionNumber)) problems.push(`version_number '${row.versionNumber}' (${MODEL_VERSION_RULE})`);
  if (!Number.isFinite(row.modelRmse)) problems.push(`model_rmse ${row.modelRmse}`);
  if (row.modelMae !== null && !Number.isFinite(row.modelMae)) problems.push(`model_mae ${row.modelMae}`);
  for (const [k, v] of [['data_md5', row.dataMd5], ['model_md5', row.modelMd5]] as const) {
    if (!/^[0-9a-f]{32}$/.test(v)) problems.push(`${k} '${v}'`);
  }
  if (!Number.isInteger(row.ratingCount) || row.ratingCount < 0) problems.push(`rating_count ${row.ratingCount}`);
  for (const [k, d] of [['data_creation', row.dataCreation], ['trained_on', row.trainedOn]] as const) {
    if (Number.isNaN(d.getTime())) problems.push(`${k} is not a valid date`);
  }
  if (problems.length) throw new Error(`invalid tracking row: ${problems.join(', ')}`);
}
