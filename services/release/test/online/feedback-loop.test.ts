import { describe, expect, it } from 'vitest';
import { feedbackLoop, gini } from '../../online/feedback-loop.ts';
import type { ServedList, Watch } from '../../online/types.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const at = (minutes: number) => T0 + minutes * MIN;
const served = (userId: number, minutes: number, ids: string[], group: string): ServedList => ({ userId, servedAt: at(minutes), group, ids });
const watch = (userId: number, movieId: string, minutes: number): Watch => ({ userId, movieId, at: at(minutes) });

describe('gini', () => {
  it('is 0 when all are equal and (n-1)/n when one takes all', () => {
    expect(gini([5, 5, 5, 5])).toBe(0);
    expect(gini([0, 0, 0, 12])).toBeCloseTo(3 / 4, 12);
    expect(gini([7, 0, 0, 0, 0])).toBeCloseTo(4 / 5, 12);
    expect(gini([])).toBe(0);
    expect(gini([0, 0])).toBe(0);
  });

  it('matches a hand-computed value', () => {
    // sorted 1,2,3: 2*(1+4+9)/(3*6) - 4/3 = 28/18 - 24/18 = 2/9
    expect(gini([3, 1, 2])).toBeCloseTo(2 / 9, 12);
  });
});

describe('feedbackLoop', () => {
  it('shares the watch starts that follow a list of the movie, per version', () => {
    const lists = [served(1, 0, ['a', 'b'], 'v1'), served(2, 0, ['a'], 'v2'), served(3, 0, ['c'], 'v2')];
    const watches = [
      watch(1, 'a', 5), watch(1, 'a', 6), // one start, followed (v1)
      watch(1, 'z', 10), // not listed: v1's, not followed
      watch(2, 'a', 40), // listed, but after T: v2's (last answer), not followed
      watch(3, 'c', 1), // followed (v2)
      watch(4, 'a', 1), // user never served: left out
      watch(3, 'd', -5), // before any answer to user 3: left out
    ];
    const rows = feedbackLoop(lists, watches, { bucketMs: 24 * 60 * MIN });
    expect(rows.map(({ version, watches, followed, share }) => ({ version, watches, followed, share }))).toEqual([
      { version: 'v1', watches: 2, followed: 1, share: 0.5 },
      { version: 'v2', watches: 2, followed: 1, share: 0.5 },
    ]);
  });

  it('credits the version whose list named the movie, not the one that answered last', () => {
    const rows = feedbackLoop([served(1, 0, ['a'], 'v1'), served(1, 2, ['b'], 'v2')], [watch(1, 'a', 3)]);
    expect(rows).toMatchObject([{ version: 'v1', watches: 1, followed: 1, share: 1 }]);
  });

  it('gives a Gini per window, with unwatched catalogue movies as zeros', () => {
    const lists = [served(1, 0, [], 'v1'), served(2, 0, [], 'v1')];
    const watches = [watch(1, 'a', 1), watch(2, 'a', 2), watch(1, 'b', 70), watch(2, 'c', 70)];
    const rows = feedbackLoop(lists, watches, { bucketMs: 60 * MIN, catalogue: ['a', 'b', 'c', 'd'] });
    expect(rows.map((r) => [r.windowStart - T0, r.watches, r.gini, r.movies])).toEqual([
      [0, 2, 3 / 4, 1],
      [60 * MIN, 2, 0.5, 2],
    ]);
  });
});
