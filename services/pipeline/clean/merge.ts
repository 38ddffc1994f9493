// Merging a collapsed batch into the store's in-memory state (pure). Planning and applying are
// separate so the store can make the plan durable before it changes its state.
import type { RatingRow, WatchRow } from '../../model/index.ts';
import { type CollapsedBatch, pairKey, ratingWins } from './rows.ts';

export interface CleanState {
  ratings: Map<string, RatingRow>;
  watches: Map<string, WatchRow>;
}

export interface MergePlan {
  /** Rows to write (new or changed), as they will be after the merge. */
  ratings: RatingRow[];
  watches: WatchRow[];
  ratingsAdded: number;
  ratingsUpdated: number;
  watchesAdded: number;
  watchesUpdated: number;
}

export const emptyState = (): CleanState => ({ ratings: new Map(), watches: new Map() });

export function planMerge(state: CleanState, batch: CollapsedBatch): MergePlan {
  const plan: MergePlan = { ratings: [], watches: [], ratingsAdded: 0, ratingsUpdated: 0, watchesAdded: 0, watchesUpdated: 0 };
  for (const [key, row] of batch.ratings) {
    const cur = state.ratings.get(key);
    if (cur === undefined) plan.ratingsAdded++;
    else if (!ratingWins(cur, row) || (cur.rating === row.rating && cur.at === row.at)) continue;
    else plan.ratingsUpdated++;
    plan.ratings.push(row);
  }
  for (const [key, row] of batch.watches) {
    const cur = state.watches.get(key);
    if (cur === undefined) {
      plan.watchesAdded++;
      plan.watches.push(row);
      continue;
    }
    const minutes = Math.max(cur.minutes, row.minutes);
    const lastSeen = row.lastSeen > cur.lastSeen ? row.lastSeen : cur.lastSeen;
    if (minutes === cur.minutes && lastSeen === cur.lastSeen) continue;
    plan.watchesUpdated++;
    plan.watches.push({ user: row.user, movie: row.movie, minutes, lastSeen });
  }
  return plan;
}

/** Sets the plan's rows; rows are final values, so applying a plan twice equals applying it once. */
export function applyRows(state: CleanState, ratings: Iterable<RatingRow>, watches: Iterable<WatchRow>): void {
  for (const r of ratings) state.ratings.set(pairKey(r.user, r.movie), r);
  for (const w of watches) state.watches.set(pairKey(w.user, w.movie), w);
}
