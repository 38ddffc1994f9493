// Which model, data and code served a request: `reccom` rows (one per served request) joined to
// the `tracking` row of their model version. Both tables store the version as the same exact-match
// name (migration 003: VARCHAR(64) ascii_bin), so the join is a plain equality on tracking's primary
// key. A version with no tracking row (e.g. the bootstrap `sample`) is still listed, hence LEFT JOIN.
//
// One request can have several rows, one per replica that answered it (migration 004): when a
// replica answered after NGINX's read timeout, NGINX retried on another, and the late answer is
// recorded with status 499 (abandoned). A request's rows come with the answer the caller got
// (status 200) first, so the first row names the replica, model and data behind what was received.
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import { MarqueeError } from '../core/errors.ts';

export type ProvenanceQuery =
  | { kind: 'user'; userId: number; limit: number }
  | { kind: 'request'; requestId: string; limit: number };

export interface ProvenanceRecord {
  requestId: string;
  /** The process that answered (REPLICA_NAME); '' for rows older than migration 004. */
  replica: string;
  userId: number;
  servedAt: Date;
  track: string;
  status: number;
  latencyMs: number;
  /** Movie ids as served (comma-separated), or null. */
  result: string | null;
  versionNumber: string;
  /** Lineage of the model version; all null when it has no tracking row. */
  dataCreation: Date | null;
  trainedOn: Date | null;
  modelRmse: number | null;
  dataMd5: string | null;
  modelMd5: string | null;
  gitCommit: string | null;
}

export const MAX_LIMIT = 10_000;

const SELECT = `SELECT reccom.version_number, reccom.user_id,
       tracking.data_creation, tracking.trained_on, tracking.model_rmse,
       tracking.data_md5, tracking.model_md5, tracking.git_commit,
       reccom.request_id, reccom.replica, reccom.served_at, reccom.track, reccom.status, reccom.latency_ms, reccom.result
  FROM reccom
  LEFT JOIN tracking
    ON reccom.version_number = tracking.version_number`;

/** The statement and its parameters for `q` (placeholders only: no value is spliced into SQL). */
export function provenanceSql(q: ProvenanceQuery): { sql: string; params: Array<string | number> } {
  if (!Number.isInteger(q.limit) || q.limit < 1 || q.limit > MAX_LIMIT) {
    throw new RangeError(`limit must be an integer in 1..${MAX_LIMIT}, got ${q.limit}`);
  }
  const where = q.kind === 'user' ? 'reccom.user_id = ?' : 'reccom.request_id = ?';
  const key = q.kind === 'user' ? q.userId : q.requestId;
  const served = q.kind === 'request' ? '(reccom.status = 200) DESC, ' : '';
  return {
    sql: `${SELECT}\n WHERE ${where}\n ORDER BY ${served}reccom.served_at DESC, reccom.id DESC\n LIMIT ?`,
    params: [key, q.limit],
  };
}

const nullableDate = z.date().nullable();
const nullableNumber = z.coerce.number().nullable();
const rowSchema = z
  .object({
    version_number: z.string(),
    user_id: z.coerce.number(),
    data_creation: nullableDate,
    trained_on: nullableDate,
    model_rmse: nullableNumber,
    data_md5: z.string().nullable(),
    model_md5: z.string().nullable(),
    git_commit: z.string().nullable(),
    request_id: z.string(),
    replica: z.string(),
    served_at: z.date(),
    track: z.string(),
    status: z.coerce.number(),
    latency_ms: z.coerce.number(),
    result: z.string().nullable(),
  })
  .transform(
    (r): ProvenanceRecord => ({
      requestId: r.request_id,
      replica: r.replica,
      userId: r.user_id,
      servedAt: r.served_at,
      track: r.track,
      status: r.status,
      latencyMs: r.latency_ms,
      result: r.result,
      versionNumber: r.version_number,
      dataCreation: r.data_creation,
      trainedOn: r.trained_on,
      modelRmse: r.model_rmse,
      dataMd5: r.data_md5,
      modelMd5: r.model_md5,
      gitCommit: r.git_commit,
    }),
  );

/** Rows as the driver returns them → records; a schema change fails here with the column named. */
export function parseRows(rows: unknown[]): ProvenanceRecord[] {
  return rows.map((row, i) => {
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MarqueeError('DATABASE', `provenance row ${i}: column ${issue.path.join('.')}: ${issue.message}`);
    }
    return parsed.data;
  });
}

/** Runs `q` on a pool created with core's createPool (UTC DATETIMEs as Date). Newest first. */
export async function queryProvenance(pool: Pool, q: ProvenanceQuery): Promise<ProvenanceRecord[]> {
  const { sql, params } = provenanceSql(q);
  const [rows] = await pool.query(sql, params);
  return parseRows(rows as unknown[]);
}
