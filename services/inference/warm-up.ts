// Before a replica says it is ready (/readyz), it ranks a few users itself: the rank workers have
// started and loaded their code (each compiles its TypeScript first, seconds of CPU), and the
// ranking path is compiled, so the first callers NGINX sends, often all of a track's traffic at
// once after a promotion, do not meet a cold process. A slow first answer would miss NGINX's
// 180 ms read timeout on a busy host and cost the caller a retry (or a 504).
import { setTimeout as sleep } from 'node:timers/promises';
import type { RankPool } from '../model/index.ts';
import type { Recommender } from './recommender.ts';

export interface WarmUpResult {
  users: number;
  ms: number;
}

/** Longest wait for the rank workers: without them the main thread ranks (recommender.ts). */
const POOL_WAIT_MS = 20_000;

/** Ranks `count` users spread over the model's `userIds` (the pool first, then the whole answer path). */
export async function warmUp(recommender: Recommender, userIds: ArrayLike<number>, pool: RankPool | null, count = 64): Promise<WarmUpResult> {
  const started = performance.now();
  const n = Math.min(count, userIds.length);
  const picks = Array.from({ length: n }, (_, i) => Math.floor((i * userIds.length) / n));
  // Every worker: a request waits for the worker start-up, and the least busy worker takes each.
  if (pool) {
    const ranked = Promise.all(picks.slice(0, Math.max(1, pool.workers * 2)).map((u) => pool.rank(u, 20).catch(() => undefined)));
    await Promise.race([ranked, sleep(POOL_WAIT_MS, undefined, { ref: false })]);
  }
  for (const u of picks) await recommender.recommend(userIds[u]);
  return { users: n, ms: performance.now() - started };
}
