// The clean store's rows and how one batch of events collapses into them (pure).
//   ratings: one row per (user, movie); the latest rating by timestamp wins, ties by arrival.
//   watches: one row per (user, movie); `minutes` is the HIGHEST minute index requested (how far
//     the user got), `lastSeen` the latest timestamp. The max is used rather than a count of
//     distinct minutes because it merges across batches and replays without keeping every minute:
//     max(max(a), max(b)) = max(a ∪ b), and re-applying a batch changes nothing.
// Timestamps are compared as strings: the logged format is fixed-width (see model/timestamp.ts).
import type { RatingRow, WatchRow } from '../../model/index.ts';
import type { LogEvent, RateEvent, WatchEvent } from '../parse/types.ts';

/** Movie ids never contain a comma, so this key is unambiguous. */
export const pairKey = (user: number, movie: string): string => `${user},${movie}`;

export interface CollapsedBatch {
  ratings: Map<string, RatingRow>;
  watches: Map<string, WatchRow>;
}

export const emptyBatch = (): CollapsedBatch => ({ ratings: new Map(), watches: new Map() });

/** Does `incoming` replace `current`? Later timestamp wins; on a tie the later arrival (incoming). */
export const ratingWins = (current: RatingRow, incoming: RatingRow): boolean => incoming.at >= current.at;

export function addRate(batch: CollapsedBatch, e: RateEvent): void {
  const key = pairKey(e.user, e.movie);
  const cur = batch.ratings.get(key);
  if (cur === undefined || e.at >= cur.at) batch.ratings.set(key, { user: e.user, movie: e.movie, rating: e.rating, at: e.at });
}

export function addWatch(batch: CollapsedBatch, e: WatchEvent): void {
  const key = pairKey(e.user, e.movie);
  const cur = batch.watches.get(key);
  if (cur === undefined) batch.watches.set(key, { user: e.user, movie: e.movie, minutes: e.minute, lastSeen: e.at });
  else {
    if (e.minute > cur.minutes) cur.minutes = e.minute;
    if (e.at > cur.lastSeen) cur.lastSeen = e.at;
  }
}

/** Adds one event to the batch; recommendation events carry no rating or watch and are ignored. */
export function addEvent(batch: CollapsedBatch, e: LogEvent): void {
  if (e.kind === 'watch') addWatch(batch, e);
  else if (e.kind === 'rate') addRate(batch, e);
}

export function collapseEvents(events: Iterable<LogEvent>): CollapsedBatch {
  const batch = emptyBatch();
  for (const e of events) addEvent(batch, e);
  return batch;
}

/** Store order: by user id, then movie id (stable files make stable md5s for DVC). */
export function compareRows(a: { user: number; movie: string }, b: { user: number; movie: string }): number {
  return a.user - b.user || (a.movie < b.movie ? -1 : a.movie > b.movie ? 1 : 0);
}
