// Seeded random hold-out split: a reproducible test set for offline evaluation.
import { permutation, seedState } from './random.ts';
import type { RatingRow } from './readers.ts';

/** Move round(fraction * n) randomly chosen rows to `test`; both keep the input order. */
export function splitHoldout(rows: RatingRow[], fraction: number, seed: number): { train: RatingRow[]; test: RatingRow[] } {
  if (!(fraction > 0 && fraction < 1)) throw new RangeError(`hold-out fraction must be in (0, 1), got ${fraction}`);
  const n = rows.length;
  const nTest = Math.round(n * fraction);
  const order = permutation(n, seedState(seed, 1));
  const isTest = new Uint8Array(n);
  for (let j = 0; j < nTest; j++) isTest[order[j]] = 1;
  const train: RatingRow[] = [];
  const test: RatingRow[] = [];
  for (let j = 0; j < n; j++) (isTest[j] ? test : train).push(rows[j]);
  return { train, test };
}
