import { describe, expect, it } from 'vitest';
import type { Model } from '../../model/types.ts';
import { createRecommender, joinIds } from '../recommender.ts';
import { rank, tinyModel } from './fixtures.ts';

describe('createRecommender', () => {
  it('answers known users from the ranking and unknown users with the popularity list', () => {
    const r = createRecommender(tinyModel(), { cacheSize: 10, rank });
    expect(r.recommend(20).split(',')).toEqual(Array.from({ length: 20 }, (_, k) => `m${29 - k}`));
    expect(r.recommend(10).split(',')).not.toContain('m29');
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
    expect(s.recommend(2_000_000_000).split(',')[0]).toBe('m29');
  });

  it('refuses a model it cannot serve', () => {
    expect(() => createRecommender({ ...tinyModel(), popular: new Uint32Array(0) }, { cacheSize: 0, rank })).toThrow(/popularity/);
    expect(() => createRecommender({ ...tinyModel(), userIds: Int32Array.from([1, 0, 3]) }, { cacheSize: 0, rank })).toThrow(/user id 0/);
  });
});

describe('joinIds', () => {
  it('joins at most n ids with commas', () => {
    const m = tinyModel();
    expect(joinIds(m, [3, 1, 2], 2)).toBe('m3,m1');
    expect(joinIds(m, [], 20)).toBe('');
  });
});
