// Where the online figures come from, as interfaces so the measurer is tested with fakes: the
// lists the replicas served (reccom) and the watches of the stream (Kafka, kafka-watch-source.ts).
import type { Pool } from 'mysql2/promise';
import { readServedLists } from '../online/reccom-reader.ts';
import type { ServedList, Watch } from '../online/types.ts';

export interface WatchRead {
  /** Watched minutes logged in [fromMs, toMs]. */
  watches: Watch[];
  /**
   * How far the stream is known complete (epoch ms, at most toMs): watch-through's `until`, so
   * answers whose T runs past it are left pending rather than counted as not watched.
   */
  until: number;
}

export interface WatchSource {
  read(fromMs: number, toMs: number): Promise<WatchRead>;
}

export interface ServedSource {
  /** Successful answers served in [fromMs, toMs), `group` = the replica's track. */
  read(fromMs: number, toMs: number): Promise<ServedList[]>;
}

/** Served lists from `reccom` (status 200 rows: a 499 row is an answer nobody received). */
export function reccomServedSource(pool: Pool): ServedSource {
  return { read: (from, to) => readServedLists(pool, { from, to, groupBy: 'track' }) };
}
