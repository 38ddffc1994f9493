import { describe, expect, it } from 'vitest';
import type { Model } from '../../model/index.ts';
import { createRecommender, joinIds, type Recommender, type RecommenderOptions } from '../recommender.ts';
import { rank, tinyModel } from './fixtures.ts';

/** A recommender that must rank every miss on its (in-process) pool; `calls` lists the users ranked. */
function poolOnly(extra: Partial<RecommenderOptions> = {}) {
  const model = tinyModel();
  const calls: number[] = [];
  const r = createRecommender(model, {
    cacheSize: 10,
    rank: () => {
      throw new Error('the main thread must not rank');
    },
    pool: { rank: async (u, n) => (calls.push(u), rank(model, u, n)) },
    ...extra,
  });
  return { model, calls, r };
}

/** The answer of a recommender without a pool, which must be immediate. */
function now(r: Recommender, userId: number): string {
  const answer = r.recommend(userId);
  if (typeof answer !== 'string') throw new Error('expected an immediate answer');
  return answer;
}

describe('createRecommender', () => {
  it('answers known users from the ranking and unknown users with the popularity list', () => {
    const r = createRecommender(tinyModel(), { cacheSize: 10, rank });
    expect(now(r, 20).split(',')).toEqual(Array.from({ length: 20 }, (_, k) => `m${29 - k}`));
    expect(now(r, 10).split(',')).not.toContain('m29');
    expect(r.recommend(11)).toBe(r.coldStart);
    expect(r.coldStart).toBe(Array.from({ length: 20 }, (_, k) => `m${k}`).join(','));
  });

  it('ranks each user once and then serves the cached answer', () => {
    const calls: number[] = [];
    const r = createRecommender(tinyModel(), {
      cacheSize: 10,
      rank: (m, u, n) => {
        calls.push(u);
        return rank(m, u, n);
      },
    });
    const first = r.recommend(10);
    expect(r.recommend(10)).toBe(first);
    r.recommend(20);
    r.recommend(20);
    r.recommend(99); // unknown: no ranking at all
    expect(calls).toEqual([0, 1]);
    expect(r.cacheSize).toBe(2);
  });

  it('keeps at most cacheSize answers and recomputes evicted ones identically', () => {
    let calls = 0;
    const r = createRecommender(tinyModel(), { cacheSize: 1, rank: (m, u, n) => (calls++, rank(m, u, n)) });
    const a = r.recommend(10);
    r.recommend(20);
    expect(r.cacheSize).toBe(1);
    expect(r.recommend(10)).toBe(a);
    expect(calls).toBe(3);
  });

  it('answers fewer ids when the catalogue is small', () => {
    const r = createRecommender(tinyModel(5), { cacheSize: 0, rank });
    expect(r.recommend(20)).toBe('m4,m3,m2,m1,m0');
    expect(r.recommend(10)).toBe('m3,m1,m0'); // m4 and m2 seen
    expect(r.coldStart).toBe('m0,m1,m2,m3,m4');
  });

  it('maps raw ids to dense indexes with a table or, for sparse ids, a map', () => {
    const dense = createRecommender(tinyModel(), { cacheSize: 0, rank });
    expect([dense.userIndex(10), dense.userIndex(20), dense.userIndex(30), dense.userIndex(31), dense.userIndex(2 ** 31 - 1)]).toEqual([0, 1, 2, -1, -1]);
    const sparse: Model = { ...tinyModel(), userIds: Int32Array.from([5, 2_000_000_000, 77]) };
    const s = createRecommender(sparse, { cacheSize: 0, rank });
    expect([s.userIndex(5), s.userIndex(2_000_000_000), s.userIndex(77), s.userIndex(6)]).toEqual([0, 1, 2, -1]);
    expect(now(s, 2_000_000_000).split(',')[0]).toBe('m29');
  });

  it('refuses a model it cannot serve', () => {
    expect(() => createRecommender({ ...tinyModel(), popular: new Uint32Array(0) }, { cacheSize: 0, rank })).toThrow(/popularity/);
    expect(() => createRecommender({ ...tinyModel(), userIds: Int32Array.from([1, 0, 3]) }, { cacheSize: 0, rank })).toThrow(/user id 0/);
  });
});

describe('cold start: users with few interactions', () => {
  const ids = (answer: string | Promise<string>) => (answer as string).split(',');

  it('gives a user with fewer interactions than the threshold a blend that leans on the chart, chart first', () => {
    const r = createRecommender(tinyModel(), { cacheSize: 10, rank, coldStartBelow: 5 });
    // User 10 has 2 interactions (m29, m27 seen): round(20 * 2 / 5) = 8 personal ids, at the
    // positions where floor((k + 1) * 8 / 20) steps up: 2, 4, 7, 9, 12, 14, 17, 19.
    expect(ids(r.recommend(10))).toEqual([
      'm0', 'm1', 'm28', 'm2', 'm26', 'm3', 'm4', 'm25', 'm5', 'm24',
      'm6', 'm7', 'm23', 'm8', 'm22', 'm9', 'm10', 'm21', 'm11', 'm20',
    ]);
    // User 30 has 1 (m0 seen): 4 personal ids at 4, 9, 14, 19; the chart skips what they saw.
    expect(ids(r.recommend(30))).toEqual([
      'm1', 'm2', 'm3', 'm4', 'm29', 'm5', 'm6', 'm7', 'm8', 'm28',
      'm9', 'm10', 'm11', 'm12', 'm27', 'm13', 'm14', 'm15', 'm16', 'm26',
    ]);
    // A user the model knows with no interaction, and an unknown one: the chart.
    expect(r.recommend(20)).toBe(r.coldStart);
    expect(r.recommend(99)).toBe(r.coldStart);
  });

  it('serves users at or above the threshold their own ranking, and the share grows with their interactions', () => {
    const r = createRecommender(tinyModel(), { cacheSize: 0, rank, coldStartBelow: 2 });
    expect(r.recommend(10)).toBe(joinIds(tinyModel(), rank(tinyModel(), 0, 20), 20)); // 2 interactions: personal
    const u30 = ids(r.recommend(30)); // 1 of 2: half and half, alternating, chart first
    expect(u30.slice(0, 6)).toEqual(['m1', 'm29', 'm2', 'm28', 'm3', 'm27']);
    expect(u30.filter((m) => Number(m.slice(1)) >= 20)).toHaveLength(10);
    // Off (the default): everyone known gets their own ranking.
    const off = createRecommender(tinyModel(), { cacheSize: 0, rank });
    expect(ids(off.recommend(30))[0]).toBe('m29');
  });

  it('never repeats an id and fills from either source when the other runs out', () => {
    const r = createRecommender(tinyModel(5), { cacheSize: 0, rank, coldStartBelow: 5 });
    expect(r.recommend(30)).toBe('m1,m2,m3,m4'); // m0 seen; the personal picks were all charted already
    expect(r.recommend(10)).toBe('m0,m1,m3'); // m4, m2 seen: the three unseen ids once each
  });

  it('blends the answers ranked on the worker pool too, and caches them', async () => {
    const { calls, r } = poolOnly({ coldStartBelow: 5 });
    const answer = await r.recommend(30);
    expect(answer.split(',').slice(0, 5)).toEqual(['m1', 'm2', 'm3', 'm4', 'm29']);
    expect(r.recommend(30)).toBe(answer);
    expect(calls).toEqual([2]);
  });

  it('refuses a threshold that is not a non-negative integer', () => {
    expect(() => createRecommender(tinyModel(), { cacheSize: 0, rank, coldStartBelow: -1 })).toThrow(/coldStartBelow/);
    expect(() => createRecommender(tinyModel(), { cacheSize: 0, rank, coldStartBelow: 2.5 })).toThrow(/coldStartBelow/);
  });
});

describe('joinIds', () => {
  it('joins at most n ids with commas', () => {
    const m = tinyModel();
    expect(joinIds(m, [3, 1, 2], 2)).toBe('m3,m1');
    expect(joinIds(m, [], 20)).toBe('');
  });
});

describe('createRecommender with a worker pool', () => {
  const expected = (m = tinyModel()) => Array.from(rank(m, 0, 20), (i) => m.itemIds[i]).join(',');

  it('ranks a miss on the pool once, shares it between concurrent requests and caches it', async () => {
    const { model, calls, r } = poolOnly();
    const a = r.recommend(10);
    const b = r.recommend(10);
    expect(a).toBeInstanceOf(Promise);
    expect(await a).toBe(expected(model));
    expect(await b).toBe(expected(model));
    expect(calls).toEqual([0]);
    expect(r.recommend(10)).toBe(expected(model)); // now cached: immediate
    expect(r.recommend(99)).toBe(r.coldStart); // unknown: immediate, no ranking
    expect(calls).toEqual([0]);
  });

  it('ranks on the main thread while the pool is not ready, then on the pool', async () => {
    const model = tinyModel();
    const calls: number[] = [];
    const pool = { ready: false, rank: async (u: number, n: number) => (calls.push(u), rank(model, u, n)) };
    const r = createRecommender(model, { cacheSize: 0, rank, pool });
    expect(r.recommend(10)).toBe(expected(model)); // immediate: no waiting for starting workers
    expect(calls).toEqual([]);
    pool.ready = true;
    expect(await r.recommend(10)).toBe(expected(model));
    expect(calls).toEqual([0]);
  });

  it('falls back to the main-thread ranking when the pool fails, and reports it', async () => {
    const model = tinyModel();
    const errors: unknown[] = [];
    const r = createRecommender(model, {
      cacheSize: 10,
      rank,
      pool: { rank: () => Promise.reject(new Error('worker died')) },
      onPoolError: (e) => errors.push(e),
    });
    expect(await r.recommend(10)).toBe(expected(model));
    expect(errors).toHaveLength(1);
    expect(r.recommend(10)).toBe(expected(model));
  });

  it('rejects only when the fallback fails too, and then retries on the next request', async () => {
    const model = tinyModel();
    let failRank = true;
    const r = createRecommender(model, {
      cacheSize: 10,
      rank: (m, u, n) => {
        if (failRank) throw new Error('broken');
        return rank(m, u, n);
      },
      pool: { rank: () => Promise.reject(new Error('worker died')) },
    });
    await expect(r.recommend(10)).rejects.toThrow(/broken/);
    failRank = false;
    expect(await r.recommend(10)).toBe(expected(model));
  });
});
