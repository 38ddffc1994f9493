// Lineage rows in the `tracking` table (services/core/db/migrations/001_*, 003_*, 005_*): one per
// published version, with its ranking quality and the relative gate's evidence (005; NULL before). A version is a name (core/model-version.ts), stored and matched as text, never as a number.
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
  /** Ranking quality of the version's lists on the held-out data; null for rows from before migration 005. */
  ranking: TrackingRanking | null;
  /** The relative gate's evidence; null when the version was not gated on it (rows before migration 005). */
  gate: TrackingGate | null;
}

export interface TrackingRanking {
  ndcgAt20: number | null;
  precisionAt20: number | null;
  recallAt20: number | null;
  coverage: number | null;
  popularityBias: number | null;
}

export const GATE_DECISIONS = ['pass', 'refuse', 'no-baseline'] as const;

export interface TrackingGate {
  decision: (typeof GATE_DECISIONS)[number];
  /** The served version the candidate was compared with; null when none was served. */
  baselineVersion: string | null;
  users: number;
  candidateNdcg: number | null;
  baselineNdcg: number | null;
  /** Mean paired difference (candidate − served) and its bootstrap interval. */
  diff: number | null;
  low: number | null;
  high: number | null;
  confidence: number;
  tolerance: number;
}

/** A pool or a single connection. */
export type Queryable = Pick<mysql.Pool, 'query'>;

export async function insertTracking(db: Queryable, row: TrackingRow): Promise<void> {
  validate(row);
  const r = row.ranking;
  const g = row.gate;
  await db.query(
    `INSERT INTO tracking (version_number, data_creation, trained_on, model_rmse, model_mae, data_md5, model_md5,
       git_commit, rating_count, params,
       ndcg_at_20, precision_at_20, recall_at_20, coverage, popularity_bias,
       gate_decision, gate_baseline_version, gate_users, gate_candidate_ndcg_at_20, gate_baseline_ndcg_at_20,
       gate_ndcg_diff, gate_ndcg_diff_low, gate_ndcg_diff_high, gate_confidence, gate_tolerance)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      r?.ndcgAt20 ?? null,
      r?.precisionAt20 ?? null,
      r?.recallAt20 ?? null,
      r?.coverage ?? null,
      r?.popularityBias ?? null,
      g?.decision ?? null,
      g?.baselineVersion ?? null,
      g?.users ?? null,
      g?.candidateNdcg ?? null,
      g?.baselineNdcg ?? null,
      g?.diff ?? null,
      g?.low ?? null,
      g?.high ?? null,
      g?.confidence ?? null,
      g?.tolerance ?? null,
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
  ndcg_at_20: number | null;
  precision_at_20: number | null;
  recall_at_20: number | null;
  coverage: number | null;
  popularity_bias: number | null;
  gate_decision: string | null;
  gate_baseline_version: string | null;
  gate_users: number | null;
  gate_candidate_ndcg_at_20: number | null;
  gate_baseline_ndcg_at_20: number | null;
  gate_ndcg_diff: number | null;
  gate_ndcg_diff_low: number | null;
  gate_ndcg_diff_high: number | null;
  gate_confidence: number | null;
  gate_tolerance: number | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

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
    ranking: rankingFromDb(r),
    gate:
      r.gate_decision === null
        ? null
        : {
            decision: r.gate_decision as TrackingGate['decision'],
            baselineVersion: r.gate_baseline_version,
            users: Number(r.gate_users ?? 0),
            candidateNdcg: num(r.gate_candidate_ndcg_at_20),
            baselineNdcg: num(r.gate_baseline_ndcg_at_20),
            diff: num(r.gate_ndcg_diff),
            low: num(r.gate_ndcg_diff_low),
            high: num(r.gate_ndcg_diff_high),
            confidence: Number(r.gate_confidence),
            tolerance: Number(r.gate_tolerance),
          },
  };
}

function rankingFromDb(r: DbRow): TrackingRanking | null {
  const ranking = {
    ndcgAt20: num(r.ndcg_at_20),
    precisionAt20: num(r.precision_at_20),
    recallAt20: num(r.recall_at_20),
    coverage: num(r.coverage),
    popularityBias: num(r.popularity_bias),
  };
  return Object.values(ranking).every((v) => v === null) ? null : ranking;
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
  const finiteOrNull = (k: string, v: number | null | undefined) => {
    if (v !== null && v !== undefined && !Number.isFinite(v)) problems.push(`${k} ${v}`);
  };
  if (row.ranking) {
    const r = row.ranking;
    finiteOrNull('ndcg_at_20', r.ndcgAt20);
    finiteOrNull('precision_at_20', r.precisionAt20);
    finiteOrNull('recall_at_20', r.recallAt20);
    finiteOrNull('coverage', r.coverage);
    finiteOrNull('popularity_bias', r.popularityBias);
  }
  if (row.gate) {
    const g = row.gate;
    if (!GATE_DECISIONS.includes(g.decision)) problems.push(`gate_decision '${g.decision}'`);
    if (g.baselineVersion !== null && !MODEL_VERSION_PATTERN.test(g.baselineVersion)) problems.push(`gate_baseline_version '${g.baselineVersion}'`);
    if (!Number.isInteger(g.users) || g.users < 0) problems.push(`gate_users ${g.users}`);
    finiteOrNull('gate_candidate_ndcg_at_20', g.candidateNdcg);
    finiteOrNull('gate_baseline_ndcg_at_20', g.baselineNdcg);
    finiteOrNull('gate_ndcg_diff', g.diff);
    finiteOrNull('gate_ndcg_diff_low', g.low);
    finiteOrNull('gate_ndcg_diff_high', g.high);
    if (!(g.confidence > 0 && g.confidence < 1)) problems.push(`gate_confidence ${g.confidence}`);
    if (!(g.tolerance >= 0)) problems.push(`gate_tolerance ${g.tolerance}`);
  }
  if (problems.length) throw new Error(`invalid tracking row: ${problems.join(', ')}`);
}
