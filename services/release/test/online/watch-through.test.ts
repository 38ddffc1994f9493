import { describe, expect, it } from 'vitest';
import type { ServedList, Watch } from '../../online/types.ts';
import { indexWatches } from '../../online/watch-index.ts';
import { watchThrough, watchThroughPair } from '../../online/watch-through.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const at = (minutes: number) => T0 + minutes * MIN;
const served = (userId: number, minutes: number, ids: string[], group = 'canary'): ServedList => ({ userId, servedAt: at(minutes), group, ids });
const watch = (userId: number, movieId: string, minutes: number): Watch => ({ userId, movieId, at: at(minutes) });
/** A session of `n` consecutive minutes from `start`. */
const session = (userId: number, movieId: string, start: number, n = 3) => Array.from({ length: n }, (_, i) => watch(userId, movieId, start + i));

describe('watchThrough', () => {
  it('counts a start of a listed movie inside T, not after it', () => {
    const r = watchThrough([served(1, 0, ['a', 'b']), served(2, 0, ['a'])], [...session(1, 'b', 10), ...session(2, 'a', 31)]);
    expect(r.get('canary')).toEqual({ responses: 2, watched: 1, proportion: 0.5, pending: 0 });
  });

  it('counts the window edge and the same second as inside', () => {
    const r = watchThrough([served(1, 0, ['a']), { userId: 2, servedAt: T0 + 700, group: 'canary', ids: ['a'] }], [watch(1, 'a', 30), { userId: 2, movieId: 'a', at: T0 }]);
    expect(r.get('canary')?.watched).toBe(2);
  });

  it('does not count a movie that was not listed', () => {
    const r = watchThrough([served(1, 0, ['a', 'b'])], session(1, 'c', 5));
    expect(r.get('canary')).toEqual({ responses: 1, watched: 0, proportion: 0, pending: 0 });
  });

  it('does not count a watch before the answer, nor the rest of a session already under way', () => {
    // user 1 watched `a` before the answer only; user 2 was watching `a` when the answer came.
    const r = watchThrough([served(1, 10, ['a']), served(2, 10, ['a'])], [...session(1, 'a', 0, 3), ...session(2, 'a', 5, 10)]);
    expect(r.get('canary')?.watched).toBe(0);
    // …but a new start after a pause longer than the resume gap counts.
    const again = watchThrough([served(2, 10, ['a'])], [...session(2, 'a', 0, 2), ...session(2, 'a', 20)], { resumeGapMs: 5 * MIN });
    expect(again.get('canary')?.watched).toBe(1);
  });

  it('judges two answers to one user each on its own', () => {
    const watches = session(1, 'b', 20);
    expect(watchThrough([served(1, 0, ['b']), served(1, 15, ['b'])], watches).get('canary')?.watched).toBe(2);
    expect(watchThrough([served(1, 0, ['a']), served(1, 15, ['b'])], watches).get('canary')).toEqual({ responses: 2, watched: 1, proportion: 0.5, pending: 0 });
  });

  it('keeps groups apart and takes a custom T; no answers is no group', () => {
    const r = watchThrough([served(1, 0, ['a'], 'canary'), served(2, 0, ['a'], 'baseline')], [watch(1, 'a', 8), watch(2, 'a', 12)], { windowMs: 10 * MIN });
    expect(r.get('canary')?.proportion).toBe(1);
    expect(r.get('baseline')?.proportion).toBe(0);
    expect(watchThrough([], [watch(1, 'a', 1)]).size).toBe(0);
  });

  it('takes an index built once and reuses it across calls', () => {
    // Sessions of 10 minutes, 1,000 users: the shape of the stream (timing is measured apart, not here).
    const watches: Watch[] = [];
    for (let i = 0; i < 200_000; i++) {
      const s = Math.floor(i / 10);
      watches.push({ userId: s % 1_000, movieId: `m${(s * 7) % 997}`, at: T0 + i * 100 });
    }
    const index = indexWatches(watches);
    const lists = Array.from({ length: 10_000 }, (_, i) => served(i % 1_000, i / 30, Array.from({ length: 20 }, (_, k) => `m${(i + k) % 997}`)));
    const once = watchThrough(lists, index);
    expect(once.get('canary')?.responses).toBe(10_000);
    expect(watchThrough(lists, watches)).toEqual(once);
  });

  it('leaves out answers whose T is not over when the watches end, and gives the judge its counts', () => {
    const lists = [served(1, 0, ['a']), served(2, 20, ['a']), served(3, 5, ['a'], 'baseline')];
    const r = watchThrough(lists, [watch(1, 'a', 3)], { until: at(30) });
    expect(r.get('canary')).toEqual({ responses: 1, watched: 1, proportion: 1, pending: 1 });
    expect(r.get('baseline')).toEqual({ responses: 0, watched: 0, proportion: NaN, pending: 1 });
    expect(watchThroughPair(r)).toEqual({ baseline: { events: 0, total: 0 }, canary: { events: 1, total: 1 } });
  });
});
