import { describe, expect, it } from 'vitest';
import { coverage, diversityFigures, evenSubsample, meanPopularity, popularityFromCounts, watchCounts } from '../../measure/diversity.ts';
import type { ServedList } from '../../online/types.ts';

const list = (group: string, ids: string[], servedAt = 0): ServedList => ({ group, userId: 1, servedAt, ids });

describe('diversity figures', () => {
  it('popularity percentiles are mid-ranks of the watch counts', () => {
    // Counts a 5, b 1, c 1, d 3 → sorted 1 1 3 5: b, c 100·(0 + 1)/4 = 25; d 100·2.5/4 = 62.5; a 87.5.
    const p = popularityFromCounts(new Map([['a', 5], ['b', 1], ['c', 1], ['d', 3]]));
    expect(['a', 'b', 'c', 'd', 'zz'].map(p)).toEqual([87.5, 25, 25, 62.5, undefined]);
    expect(watchCounts([{ userId: 1, movieId: 'a', at: 0 }, { userId: 2, movieId: 'a', at: 1 }])).toEqual(new Map([['a', 2]]));
  });

  it('coverage is distinct listed movies over the catalogue; mean popularity counts unknown movies as 0', () => {
    const lists = [list('c', ['a', 'b']), list('c', ['b', 'c'])];
    expect(coverage(lists, 10)).toBeCloseTo(0.3, 12);
    expect(coverage([], 10)).toBeNaN();
    const p = popularityFromCounts(new Map([['a', 2], ['b', 1]])); // a 75, b 25
    // (75 + 25 + 25 + 0) / 4
    expect(meanPopularity(lists, p)).toBeCloseTo(31.25, 12);
  });

  it('evenSubsample spreads k picks over the lists, keeping their order', () => {
    expect(evenSubsample([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([1, 3, 5, 7, 9]);
    expect(evenSubsample([1, 2], 5)).toEqual([1, 2]);
    expect(evenSubsample([1, 2], 0)).toEqual([]);
  });

  it('coverage compares equal numbers of lists: a track with more lists is not more diverse for it', () => {
    // Baseline: 4 lists over 4 movies; canary: 2 lists, the same movie each. Baseline subsampled to
    // lists 1 and 3 (movies b, d): coverage 2/3 vs canary 1/3 of the 3 movies the 4 lists name.
    const b = ['a', 'b', 'c', 'd'].map((m) => list('baseline', [m]));
    const c = [list('canary', ['a']), list('canary', ['a'])];
    const f = diversityFigures(b, c, { popularityOf: () => 50 });
    expect(f.coverage).toEqual({ baseline: 2 / 3, canary: 1 / 3, listsEach: 2, catalogueSize: 3 });
    expect(f.lists).toEqual({ baseline: 4, canary: 2 });
    expect(f.meanPopularity).toEqual({ baseline: 50, canary: 50 });
    expect(diversityFigures(b, c, { popularityOf: () => 50, catalogueSize: 100 }).coverage.canary).toBeCloseTo(0.01, 12);
  });
});
