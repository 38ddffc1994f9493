// Served lists from `reccom` (one row per answer a replica gave) for a time range: the answers
// that reached the caller (status 200; 499 rows were abandoned, nobody saw them), grouped by track
// or by model version. reccom has no index on served_at, so this scans the table: run it for the
// analysis window, not per request.
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import type { ServedList } from './types.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface ServedQuery {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** Only this track (e.g. `canary`); every track when absent. */
  track?: string;
  /** What ServedList.group holds (default `track`). */
  groupBy?: 'track' | 'version';
}

export function servedListsSql(q: ServedQuery): { sql: string; params: Array<Date | string> } {
  if (!(Number.isFinite(q.from) && Number.isFinite(q.to) && q.from <= q.to)) throw new RangeError(`invalid time range ${q.from}..${q.to}`);
  const params: Array<Date | string> = [new Date(q.from), new Date(q.to)];
  let where = 'served_at >= ? AND served_at < ? AND status = 200';
  if (q.track !== undefined) {
    where += ' AND track = ?';
    params.push(q.track);
  }
  return { sql: `SELECT user_id, served_at, track, version_number, result FROM reccom WHERE ${where} ORDER BY served_at, id`, params };
}

const rowSchema = z.object({
  user_id: z.coerce.number(),
  served_at: z.date(),
  track: z.string(),
  version_number: z.string(),
  result: z.string().nullable(),
});

/** `result` as the replicas store it: the ids comma-separated (spaces tolerated). */
export const idsOfResult = (result: string | null): string[] =>
  result ? result.split(',').map((s) => s.trim()).filter(Boolean) : [];

export function servedListsFromRows(rows: unknown[], groupBy: 'track' | 'version' = 'track'): ServedList[] {
  return rows.map((row, i) => {
    const parsed = rowSchema.safeParse(row);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new MarqueeError('DATABASE', `reccom row ${i}: column ${issue.path.join('.')}: ${issue.message}`);
    }
    const r = parsed.data;
    return {
      userId: r.user_id,
      servedAt: r.served_at.getTime(),
      group: groupBy === 'track' ? r.track : r.version_number,
      ids: idsOfResult(r.result),
      version: r.version_number,
    };
  });
}

/** On a pool from core's createPool (DATETIMEs read and written as UTC). */
export async function readServedLists(pool: Pool, q: ServedQuery): Promise<ServedList[]> {
  const { sql, params } = servedListsSql(q);
  const [rows] = await pool.query(sql, params);
  return servedListsFromRows(rows as unknown[], q.groupBy);
}
