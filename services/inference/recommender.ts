// Model + caches -> the answer string of /recommend for a raw user id.
// The model is immutable for the life of a process, so each user's answer is computed once
// (~1 ms scoring every item) and then served from a bounded LRU keyed by dense user index.
//
// Cold start: a user the model does not know gets the model's chart (`model.popular`: what is
// popular now, a recent decayed watch chart in the ranking model). A known user with fewer than
// `coldStartBelow` interactions (movies in their seen table) c gets a blend that leans on that
// chart: round(n * c / coldStartBelow) places from their own ranking, the rest from the chart
// minus what they have seen, interleaved evenly with the chart first (position k is personal
// when floor((k + 1) p / n) > floor(k p / n)); ids already placed are skipped and either source
// fills in when the other runs out. One user with 1 interaction of 5 gets 4 personal ids of 20.
import { userLookup, type Model, type RankFn } from '../model/index.ts';
import { LruCache } from './lru-cache.ts';
import { MarqueeError } from '../core/errors.ts';

export const RECOMMENDATIONS = 20;

export interface Recommender {
  /**
   * Comma-separated movie ids, best first: the user's own top N, or the cold-start list for unknown
   * users. A string at once for cached and unknown users; a promise when a cache miss is ranked on
   * the worker pool (it rejects only if the main-thread fallback ranking fails as well).
   */
  recommend(userId: number): string | Promise<string>;
  /** Dense index of a raw user id, or -1 for a user the model has not seen. */
  userIndex(userId: number): number;
  /** The answer for users the model does not know (popularity ranking). */
  readonly coldStart: string;
  readonly cacheSize: number;
}

export interface RecommenderOptions {
  /** Answers kept in the LRU (0 disables caching). */
  cacheSize: number;
  /** How many ids to answer with; default 20. */
  n?: number;
  /** Ranking of one user's unseen movies, best first: the model's topNForUser or its SIMD ranker.
   * Injected so the service picks the fastest this runtime supports. */
  rank: RankFn;
  /**
   * Ranks cache misses off the main thread (the model's rank pool); `rank` answers when it fails,
   * and while the pool says it is not `ready` yet (its workers are still starting).
   */
  pool?: { rank(userIndex: number, n: number): Promise<Uint32Array>; readonly ready?: boolean };
  /** Told about each pool failure (the answer still comes, from `rank`). */
  onPoolError?: (err: unknown) => void;
  /** Users with fewer interactions than this get the chart blend (see above); 0 (default) turns it off. */
  coldStartBelow?: number;
}

/** The service's default for RECOMMEND_COLD_START_BELOW. */
export const DEFAULT_COLD_START_BELOW = 5;

export function joinIds(model: Model, items: ArrayLike<number>, n: number): string {
  const count = Math.min(n, items.length);
  let out = '';
  for (let k = 0; k < count; k++) out += (k ? ',' : '') + model.itemIds[items[k]];
  return out;
}

/**
 * The blended answer (see the head of this file) for dense user `u` with `c` interactions: `p`
 * ids from `personal`, the rest from the chart. `placed` is scratch space of at least n slots.
 */
export function blendAnswer(model: Model, u: number, personal: ArrayLike<number>, p: number, n: number, placed: Uint32Array): string {
  const chart = model.popular;
  const seenFrom = model.seenOffsets[u];
  const seenTo = model.seenOffsets[u + 1];
  let count = 0;
  let a = 0; // next in personal
  let b = 0; // next in chart
  let out = '';
  const isPlaced = (i: number) => {
    for (let j = 0; j < count; j++) if (placed[j] === i) return true;
    return false;
  };
  const nextPersonal = (): number => {
    while (a < personal.length) {
      const i = personal[a++];
      if (!isPlaced(i)) return i;
    }
    return -1;
  };
  const nextChart = (): number => {
    while (b < chart.length) {
      const i = chart[b++];
      let seen = false;
      for (let s = seenFrom; s < seenTo && !seen; s++) seen = model.seenItems[s] === i;
      if (!seen && !isPlaced(i)) return i;
    }
    return -1;
  };
  for (let k = 0; k < n; k++) {
    const personalTurn = Math.floor(((k + 1) * p) / n) > Math.floor((k * p) / n);
    let i = personalTurn ? nextPersonal() : nextChart();
    if (i < 0) i = personalTurn ? nextChart() : nextPersonal();
    if (i < 0) break;
    placed[count++] = i;
    out += (k ? ',' : '') + model.itemIds[i];
  }
  return out;
}

export function createRecommender(model: Model, opts: RecommenderOptions): Recommender {
  const n = opts.n ?? RECOMMENDATIONS;
  const { rank, pool } = opts;
  // Request ids are positive (user-id.ts), so a model with another id is broken, not just unusual.
  model.userIds.forEach((id, u) => {
    if (!(id > 0)) throw new MarqueeError('ARTIFACT', `model has a non-positive user id ${id} at index ${u}`);
  });
  const lookup = userLookup(model);
  const cache = new LruCache<number, string>(opts.cacheSize);
  const coldStart = joinIds(model, model.popular, n);
  if (coldStart === '') throw new MarqueeError('ARTIFACT', 'model has an empty popularity ranking; cold-start users would get nothing');
  const below = opts.coldStartBelow ?? 0;
  if (!(Number.isInteger(below) && below >= 0)) throw new RangeError(`coldStartBelow must be a non-negative integer, got ${below}`);
  /** Scratch for blendAnswer; answers are built synchronously, one at a time. */
  const placed = new Uint32Array(n);
  // A user who has seen every item still gets an answer rather than an empty body.
  const answerOf = (u: number, items: Uint32Array) => {
    const c = model.seenOffsets[u + 1] - model.seenOffsets[u];
    const answer = c < below ? blendAnswer(model, u, items, Math.round((n * c) / below), n, placed) : joinIds(model, items, n);
    return answer || coldStart;
  };
  /** Misses being ranked on the pool, so concurrent requests for one user share the work. */
  const inflight = new Map<number, Promise<string>>();

  const rankOffThread = (u: number): Promise<string> => {
    const pending = pool!
      .rank(u, n)
      .then(
        (items) => answerOf(u, items),
        (err: unknown) => {
          opts.onPoolError?.(err);
          return answerOf(u, rank(model, u, n));
        },
      )
      .then((answer) => {
        cache.set(u, answer);
        return answer;
      })
      .finally(() => inflight.delete(u));
    inflight.set(u, pending);
    return pending;
  };

  return {
    coldStart,
    get cacheSize() {
      return cache.size;
    },
    userIndex: lookup,
    recommend(userId: number): string | Promise<string> {
      const u = lookup(userId);
      if (u < 0) return coldStart;
      const cached = cache.get(u);
      if (cached !== undefined) return cached;
      if (pool && pool.ready !== false) return inflight.get(u) ?? rankOffThread(u);
      const answer = answerOf(u, rank(model, u, n));
      cache.set(u, answer);
      return answer;
    },
  };
}
