// Shared test data: small synthetic ratings and scratch folders.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveParams, type Interaction, type Model, type Rating } from '../index.ts';
import { nextFloat, seedState } from '../random.ts';

/** Ratings from a rank-3 matrix (values within [1, 5]) on a seeded 70 % of the cells. */
export function lowRankRatings(nUsers = 60, nItems = 40, seed = 7): Rating[] {
  const rng = seedState(seed);
  const rand = () => nextFloat(rng);
  const U = Array.from({ length: nUsers }, () => [rand() - 0.5, rand() - 0.5, rand() - 0.5]);
  const V = Array.from({ length: nItems }, () => [rand() - 0.5, rand() - 0.5, rand() - 0.5]);
  const rows: Rating[] = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rand() > 0.7) continue;
      const dot = U[u][0] * V[i][0] + U[u][1] * V[i][1] + U[u][2] * V[i][2];
      rows.push({ user: u + 1, movie: `m${i}`, rating: Math.min(5, Math.max(1, 3 + 6 * dot)) });
    }
  }
  return rows;
}


/** 4 taste groups of 30 users over 80 movies (20 per group) plus 8 movies everyone watches a lot. */
export function plantedData(seed = 11): { train: Interaction[]; test: Interaction[] } {
  const rng = seedState(seed);
  const rows: Interaction[] = [];
  for (let u = 0; u < 120; u++) {
    const group = u % 4;
    for (let i = 0; i < 88; i++) {
      const inGroup = i < 80 && Math.floor(i / 20) === group;
      const popular = i >= 80;
      const chance = inGroup ? 0.45 : popular ? 0.3 : 0.02;
      if (nextFloat(rng) < chance) rows.push({ user: u + 1, movie: `m${i}`, rating: inGroup || nextFloat(rng) < 0.5 ? 5 : 2, at: u * 1000 + i });
    }
  }
  const isTest = rows.map(() => nextFloat(rng) < 0.2);
  return { train: rows.filter((_, j) => !isTest[j]), test: rows.filter((_, j) => isTest[j]) };
}

/** A fresh temporary folder and its remover. */
export function scratchDir(prefix = 'marquee-model-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A random model of `k` factors; `dupes` copies some movies' factors and biases onto others to
 * force exact ties. Users have random seen lists.
 */
export function randomModel(seed: number, nUsers: number, nItems: number, k: number, dupes: number): Model {
  let s = seed >>> 0 || 1;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
  const itemFactors = Float32Array.from({ length: nItems * k }, () => rnd() * 0.4);
  const itemBias = Float32Array.from({ length: nItems }, () => rnd());
  for (let d = 0; d < dupes && nItems > 1; d++) {
    const from = Math.floor((rnd() + 0.5) * nItems);
    const to = Math.floor((rnd() + 0.5) * nItems);
    itemFactors.copyWithin(to * k, from * k, from * k + k);
    itemBias[to] = itemBias[from];
  }
  const seen: number[][] = Array.from({ length: nUsers }, () => [...new Set(Array.from({ length: Math.floor((rnd() + 0.5) * nItems) }, () => Math.floor((rnd() + 0.5) * nItems)))]);
  const seenOffsets = new Uint32Array(nUsers + 1);
  seen.forEach((x, u) => (seenOffsets[u + 1] = seenOffsets[u] + x.length));
  return {
    params: resolveParams({ factors: k, epochs: 1 }),
    globalMean: 3.5,
    userIds: Int32Array.from({ length: nUsers }, (_, u) => u + 1),
    itemIds: Array.from({ length: nItems }, (_, i) => `i${i}`),
    userBias: Float32Array.from({ length: nUsers }, rnd),
    itemBias,
    userFactors: Float32Array.from({ length: nUsers * k }, () => rnd() * 0.4),
    itemFactors,
    seenOffsets,
    seenItems: Uint32Array.from(seen.flat()),
    popular: Uint32Array.from({ length: nItems }, (_, i) => i),
  };
}
