// Shared test data: small synthetic ratings and scratch folders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RatingRow } from '../index.ts';
import { nextFloat, seedState } from '../random.ts';

/** Ratings from a rank-3 matrix (values within [1, 5]) on a seeded 70 % of the cells. */
export function lowRankRatings(nUsers = 60, nItems = 40, seed = 7): RatingRow[] {
  const rng = seedState(seed);
  const rand = () => nextFloat(rng);
  const U = Array.from({ length: nUsers }, () => [rand() - 0.5, rand() - 0.5, rand() - 0.5]);
  const V = Array.from({ length: nItems }, () => [rand() - 0.5, rand() - 0.5, rand() - 0.5]);
  const rows: RatingRow[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rand() > 0.7) continue;
      const dot = U[u][0] * V[i][0] + U[u][1] * V[i][1] + U[u][2] * V[i][2];
      rows.push({ user: u + 1, item: `m${i}`, rating: Math.min(5, Math.max(1, 3 + 6 * dot)) });
    }
  }
  return rows;
}


/** A fresh temporary folder and its remover. */
export function scratchDir(prefix = 'marquee-model-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
