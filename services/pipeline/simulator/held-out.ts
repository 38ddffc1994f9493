// Each simulated user's future (pure): a seeded random part of the data set held out per rating
// (model/split.ts#splitHoldout, the trainer's default split), which the user will watch only when
// it comes their way. The rest is their past, replayed as today. For a fair run the served model
// is trained without the future part (e.g. on `past`): a model that has seen a user's future marks
// it seen and never recommends it.
import { splitHoldout } from '../../model/index.ts';
import type { InputRating } from './ratings-input.ts';

export interface Futures {
  past: InputRating[];
  /** user → held-out movie → its rating. */
  future: Map<number, Map<string, number>>;
  /** The most-rated movies of the past, most first: what a user without a lead watches. */
  popular: string[];
}

export function splitFutures(ratings: ReadonlyArray<InputRating>, fraction: number, seed: number, popularCount = 50): Futures {
  const rows = ratings.map((r) => ({ user: r.user, movie: r.movie, rating: r.rating }));
  const { train, test } = splitHoldout(rows, fraction, seed);
  const future = new Map<number, Map<string, number>>();
  for (const r of test) {
    let movies = future.get(r.user);
    if (!movies) future.set(r.user, (movies = new Map()));
    movies.set(r.movie, r.rating);
  }
  const counts = new Map<string, number>();
  for (const r of train) counts.set(r.movie, (counts.get(r.movie) ?? 0) + 1);
  const popular = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, popularCount)
    .map(([movie]) => movie);
  return { past: train.map((r) => ({ user: r.user, movie: r.movie, rating: r.rating })), future, popular };
}
