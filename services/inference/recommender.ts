// Model + caches -> the answer string of /recommend for a raw user id.
// The model is immutable for the life of a process, so each user's answer is computed once
// (~1 ms scoring every item) and then served from a bounded LRU keyed by dense user index.
import type { Model } from '../model/types.ts';
import { LruCache } from './lru-cache.ts';

export const RECOMMENDATIONS = 20;

export type RankFn = (model: Model, userIndex: number, n: number) => Uint32Array;

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
  /** Ranking of one user's unseen items, best first: the model's topNForUser. Injected so this
   * module stays independent of the model's implementation. */
  rank: RankFn;
  /** Ranks cache misses off the main thread (rank-pool.ts); `rank` answers when it fails. */
  pool?: { rank(userIndex: number, n: number): Promise<Uint32Array> };
  /** Told about each pool failure (the answer still comes, from `rank`). */
  onPoolError?: (err: unknown) => void;
}

/** Raw id -> dense index. A flat table when ids are dense enough (the course's 1..1,000,000), else a Map. */
function indexUsers(userIds: Int32Array): (id: number) => number {
  let max = 0;
  for (let u = 0; u < userIds.length; u++) {
    const id = userIds[u];
    if (!(id > 0)) throw new Error(`model has a non-positive user id ${id} at index ${u}`);
    if (id > max) max = id;
  }
  if (max <= 4 * userIds.length + 1024) {
    const table = new Int32Array(max + 1).fill(-1);
    for (let u = 0; u < userIds.length; u++) table[userIds[u]] = u;
    return (id) => (id <= max ? table[id] : -1);
  }
  const map = new Map<number, number>();
  for (let u = 0; u < userIds.length; u++) map.set(userIds[u], u);
  return (id) => map.get(id) ?? -1;
}

export function joinIds(model: Model, items: ArrayLike<number>, n: number): string {
  const count = Math.min(n, items.length);
  let out = '';
  for (let k = 0; k < count; k++) out += (k ? ',' : '') + model.itemIds[items[k]];
  return out;
}

export function createRecommender(model: Model, opts: RecommenderOptions): Recommender {
  const n = opts.n ?? RECOMMENDATIONS;
  const { rank, pool } = opts;
  const lookup = indexUsers(model.userIds);
  const cache = new LruCache<number, string>(opts.cacheSize);
  const coldStart = joinIds(model, model.popular, n);
  if (coldStart === '') throw new Error('model has an empty popularity ranking; cold-start users would get nothing');
  // A user who has seen every item still gets an answer rather than an empty body.
  const answerOf = (items: Uint32Array) => joinIds(model, items, n) || coldStart;
  /** Misses being ranked on the pool, so concurrent requests for one user share the work. */
  const inflight = new Map<number, Promise<string>>();

  const rankOffThread = (u: number): Promise<string> => {
    const pending = pool!
      .rank(u, n)
      .then(answerOf, (err: unknown) => {
        opts.onPoolError?.(err);
        return answerOf(rank(model, u, n));
      })
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
      if (pool) return inflight.get(u) ?? rankOffThread(u);
      const answer = answerOf(rank(model, u, n));
      cache.set(u, answer);
      return answer;
    },
  };
}
