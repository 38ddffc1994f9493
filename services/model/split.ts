// Seeded random hold-out split: a reproducible test set for offline evaluation.
import { permutation, seedState } from './random.ts';
import type { Rating } from './readers.ts';

/** Move round(fraction * n) randomly chosen rows to `test`; both keep the input order. */
export function splitHoldout(rows: Rating[], fraction: number, seed: number): { train: Rating[]; test: Rating[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`hold-out fraction must be in (0, 1), got ${fraction}`);
  const n = rows.length;
  const nTest = Math.round(n * fraction);
  const order = permutation(n, seedState(seed, 1));
  const isTest = new Uint8Array(n);
  for (let j = 0; j < nTest; j++) isTest[order[j]] = 1;
  const train: Rating[] = [];
  const test: Rating[] = [];
  for (let j = 0; j < n; j++) (isTest[j] ? test : train).push(rows[j]);
  return { train, test };
}

/**
 * Per-user time split: each user's latest round(fraction * n_u) rows (by `at`, then movie id) go to
 * `test`, the rest to `train` (a user with few rows may keep them all). Rows without a time count
 * as the oldest. Both keep the input order.
 */
export function splitByTime<T extends { user: number; movie: string; at?: number }>(rows: readonly T[], fraction: number): { train: T[]; test: T[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`hold-out fraction must be in (0, 1), got ${fraction}`);
  const byUser = new Map<number, number[]>();
  rows.forEach((r, j) => {
    let list = byUser.get(r.user);
    if (!list) byUser.set(r.user, (list = []));
    list.push(j);
  });
  const isTest = new Uint8Array(rows.length);
  const time = (j: number) => rows[j].at ?? -Infinity;
  for (const list of byUser.values()) {
    list.sort((a, b) => time(a) - time(b) || (rows[a].movie < rows[b].movie ? -1 : rows[a].movie > rows[b].movie ? 1 : 0));
    const nTest = Math.round(list.length * fraction);
    for (let t = list.length - nTest; t < list.length; t++) isTest[list[t]] = 1;
  }
  const train: T[] = [];
  const test: T[] = [];
  rows.forEach((r, j) => (isTest[j] ? test : train).push(r));
  return { train, test };
}

/**
 * The random hold-out over ratings and watches together: ratings exactly as `splitHoldout`
 * (so the rating model sees the same split as before watches existed); a watch of a rated pair
 * follows its rating, the other watches get their own seeded split of the same fraction.
 */
export function splitRatingsAndWatches<W extends { user: number; movie: string }>(
  ratings: Rating[],
  watches: readonly W[],
  fraction: number,
  seed: number,
): { train: Rating[]; test: Rating[]; trainWatches: W[]; testWatches: W[] } {
  const { train, test } = splitHoldout(ratings, fraction, seed);
  const key = (u: number, i: string) => `${u}\u0000${i}`;
  const testPairs = new Set(test.map((r) => key(r.user, r.movie)));
  const ratedPairs = new Set(ratings.map((r) => key(r.user, r.movie)));
  const order = permutation(watches.length, seedState(seed, 5));
  const unrated = new Uint8Array(watches.length);
  let nUnrated = 0;
  watches.forEach((w, j) => {
    if (!ratedPairs.has(key(w.user, w.movie))) {
      unrated[j] = 1;
      nUnrated++;
    }
  });
  const nTest = Math.round(nUnrated * fraction);
  const watchTest = new Uint8Array(watches.length);
  let taken = 0;
  for (let t = 0; t < order.length && taken < nTest; t++) {
    if (unrated[order[t]]) {
      watchTest[order[t]] = 1;
      taken++;
    }
  }
  const trainWatches: W[] = [];
  const testWatches: W[] = [];
  watches.forEach((w, j) => {
    const inTest = unrated[j] ? watchTest[j] === 1 : testPairs.has(key(w.user, w.movie));
    (inTest ? testWatches : trainWatches).push(w);
  });
  return { train, test, trainWatches, testWatches };
}
