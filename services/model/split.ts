// Seeded random hold-out splits: reproducible test sets for offline evaluation.
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

/**
 * Whether the (user, movie) pair is held out: a seeded hash of the pair below `fraction`. Unlike a
 * permutation of the rows, a pair keeps its side when rows are added, so successive pipeline runs
 * hold out the same pairs: the served model never trained on the pairs the next candidate is
 * tested on, and the relative gate compares both on nearly the whole test set (not only on the
 * part the served model happened not to see).
 */
export function heldOutPair(user: number, movie: string, fraction: number, seed: number): boolean {
  // FNV-1a over the movie id's characters, mixed with the user and seed by murmur3's finaliser.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let k = 0; k < movie.length; k++) h = Math.imul(h ^ movie.charCodeAt(k), 0x01000193);
  h = Math.imul(h ^ user, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296 < fraction;
}

/**
 * Ratings and watches split by pair (heldOutPair): a watch goes where its pair goes, rated or not;
 * about `fraction` of the pairs are held out (a Bernoulli draw per pair, not an exact count).
 */
export function splitByPair<R extends { user: number; movie: string }, W extends { user: number; movie: string }>(
  ratings: readonly R[],
  watches: readonly W[],
  fraction: number,
  seed: number,
): { train: R[]; test: R[]; trainWatches: W[]; testWatches: W[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`hold-out fraction must be in (0, 1), got ${fraction}`);
  const out = { train: [] as R[], test: [] as R[], trainWatches: [] as W[], testWatches: [] as W[] };
  for (const r of ratings) (heldOutPair(r.user, r.movie, fraction, seed) ? out.test : out.train).push(r);
  for (const w of watches) (heldOutPair(w.user, w.movie, fraction, seed) ? out.testWatches : out.trainWatches).push(w);
  return out;
}
