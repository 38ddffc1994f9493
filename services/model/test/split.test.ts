import { describe, expect, it } from 'vitest';
import { heldOutPair, splitByPair } from '../index.ts';

const pairs = (users: number, movies: number) =>
  Array.from({ length: users * movies }, (_, j) => ({ user: 1 + Math.floor(j / movies), movie: `m${j % movies}`, rating: 4 }));

describe('splitByPair', () => {
  it('holds out about the fraction of pairs, disjoint and complete', () => {
    const rows = pairs(200, 100); // 20,000 pairs: a binomial share has sd 0.0028
    const { train, test } = splitByPair(rows, [], 0.2, 42);
    expect(train.length + test.length).toBe(rows.length);
    expect(Math.abs(test.length / rows.length - 0.2)).toBeLessThan(0.012);
    const key = (r: { user: number; movie: string }) => `${r.user}/${r.movie}`;
    const testKeys = new Set(test.map(key));
    expect(train.some((r) => testKeys.has(key(r)))).toBe(false);
  });

  it('keeps every pair on its side when rows are added (a row permutation would reshuffle them)', () => {
    const before = pairs(100, 50);
    const after = [...pairs(120, 60).filter((r) => !before.some((b) => b.user === r.user && b.movie === r.movie)), ...before];
    const held = (rows: typeof before) => new Set(splitByPair(rows, [], 0.2, 7).test.map((r) => `${r.user}/${r.movie}`));
    const a = held(before);
    const b = held(after);
    for (const k of a) expect(b.has(k)).toBe(true);
    for (const r of before) expect(b.has(`${r.user}/${r.movie}`)).toBe(a.has(`${r.user}/${r.movie}`));
  });

  it('sends a watch where its pair goes, rated or not', () => {
    const ratings = pairs(50, 40);
    const watches = [...ratings.map((r) => ({ user: r.user, movie: r.movie, minutes: 10 })), { user: 999, movie: 'm1', minutes: 3 }];
    const s = splitByPair(ratings, watches, 0.3, 1);
    const testPairs = new Set(s.test.map((r) => `${r.user}/${r.movie}`));
    for (const w of s.testWatches.filter((w) => w.user !== 999)) expect(testPairs.has(`${w.user}/${w.movie}`)).toBe(true);
    for (const w of s.trainWatches.filter((w) => w.user !== 999)) expect(testPairs.has(`${w.user}/${w.movie}`)).toBe(false);
    expect(s.trainWatches.length + s.testWatches.length).toBe(watches.length);
    expect(heldOutPair(999, 'm1', 0.3, 1)).toBe(s.testWatches.some((w) => w.user === 999));
  });

  it('depends on the seed, and rejects fractions outside (0, 1)', () => {
    const rows = pairs(50, 40);
    expect(splitByPair(rows, [], 0.2, 1).test).not.toEqual(splitByPair(rows, [], 0.2, 2).test);
    expect(splitByPair(rows, [], 0.2, 1).test).toEqual(splitByPair(rows, [], 0.2, 1).test);
    expect(() => splitByPair(rows, [], 0, 1)).toThrow(/fraction/);
    expect(() => splitByPair(rows, [], 1, 1)).toThrow(/fraction/);
  });
});
