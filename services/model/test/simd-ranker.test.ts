import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topNForUser } from '../index.ts';
import { BLOCK, createSimdRanker, KERNEL_WASM, type RankStats } from '../simd-ranker.ts';
import type { Model } from '../types.ts';
import { randomModel } from './fixtures.ts';

/**
 * Makes `model`'s movie rows long-tailed like a trained iALS model's (a few long rows, most short),
 * with the long ones scattered over the indexes, and its biases `biasScale` times smaller.
 */
function longTailed(model: Model, biasScale: number): Model {
  const k = model.params.factors;
  const nItems = model.itemIds.length;
  for (let i = 0; i < nItems; i++) {
    const rank = (i * 7919) % nItems;
    const w = 8 / (1 + rank / 10) ** 1.1;
    for (let f = 0; f < k; f++) model.itemFactors[i * k + f] *= w;
    model.itemBias[i] *= biasScale;
  }
  // Few seen movies per user, as in the course data.
  model.seenOffsets = Uint32Array.from({ length: model.userIds.length + 1 }, (_, u) => u * 5);
  model.seenItems = Uint32Array.from({ length: model.userIds.length * 5 }, (_, x) => (x * 7919 * 3) % nItems);
  return model;
}

describe('createSimdRanker', () => {
  it('assembles a valid WebAssembly module', () => {
    expect(WebAssembly.validate(KERNEL_WASM)).toBe(true);
  });

  it('returns exactly what topNForUser returns, ties and seen items included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 200 }),
        fc.constantFrom(1, 2, 3, 4, 5, 8, 10, 12, 100),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 40 }),
        (seed, nUsers, nItems, k, dupes, n) => {
          const model = randomModel(seed, nUsers, nItems, k, dupes);
          const rank = createSimdRanker(model)!;
          expect(rank).not.toBeNull();
          for (let u = 0; u < nUsers; u++) expect(Array.from(rank(model, u, n))).toEqual(Array.from(topNForUser(model, u, n)));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('agrees on a catalogue of thousands of items', () => {
    const model = randomModel(7, 20, 5000, 100, 50);
    const rank = createSimdRanker(model)!;
    for (let u = 0; u < 20; u++) expect(Array.from(rank(model, u, 20))).toEqual(Array.from(topNForUser(model, u, 20)));
  });

  it('ranks 2 factors (rows padded to 4) like topNForUser', () => {
    const model = randomModel(6, 3, 30, 2, 3);
    const rank = createSimdRanker(model)!;
    for (let u = 0; u < 3; u++) expect(Array.from(rank(model, u, 20))).toEqual(Array.from(topNForUser(model, u, 20)));
  });

  it('stays exact when most scores tie (zero factors, equal biases)', () => {
    const model = randomModel(9, 3, 500, 8, 0);
    model.itemFactors.fill(0);
    model.itemBias.fill(0.25);
    const rank = createSimdRanker(model)!;
    for (let u = 0; u < 3; u++) expect(Array.from(rank(model, u, 20))).toEqual(Array.from(topNForUser(model, u, 20)));
  });

  it('ranks a user whose factors are all zero by bias alone, ties to the lower index', () => {
    // Every movie is a candidate for such a user (all approximate scores tie at the bias); the
    // answer must still be topNForUser's, which ranks by bias and then index.
    const model = randomModel(11, 2, 3000, 100, 30);
    model.userFactors.fill(0, 0, 100);
    for (let i = 0; i < 3000; i++) model.itemBias[i] = (i % 7) * 0.125 - 0.3;
    const rank = createSimdRanker(model)!;
    for (const n of [1, 20, 50]) for (let u = 0; u < 2; u++) expect(Array.from(rank(model, u, n))).toEqual(Array.from(topNForUser(model, u, n)));
  });

  it('stays exact when scores differ by less than float32 can tell apart', () => {
    // Score of item i = 1 + (i mod 50)·2^-30: one float32 value for all, 50 float64 values.
    const model = randomModel(4, 1, 300, 4, 0);
    model.itemBias.fill(0);
    model.userFactors.set([1, 1, 0, 0]);
    model.seenOffsets.fill(0);
    for (let i = 0; i < 300; i++) model.itemFactors.set([1, (i % 50) * 2 ** -30, 0, 0], i * 4);
    const rank = createSimdRanker(model)!;
    const got = Array.from(rank(model, 0, 20));
    expect(got).toEqual(Array.from(topNForUser(model, 0, 20)));
    expect(got.slice(0, 6)).toEqual([49, 99, 149, 199, 249, 299]);
  });

  it('stops scoring where no shorter row can reach the top n, with exactly the same answers', () => {
    const model = longTailed(randomModel(21, 30, 20_000, 32, 40), 0.01);
    const stats: RankStats = { scored: 0 };
    const rank = createSimdRanker(model, stats)!;
    const scored: number[] = [];
    for (const n of [1, 20, 60]) {
      for (let u = 0; u < 30; u++) {
        expect(Array.from(rank(model, u, n)), `user ${u}, n ${n}`).toEqual(Array.from(topNForUser(model, u, n)));
        scored.push(stats.scored);
      }
    }
    // Without the bound every request scores all 20,000 rows.
    scored.sort((a, b) => a - b);
    expect(scored[Math.floor(scored.length / 2)]).toBeLessThan(5_000);
  });

  it('still finds a short row that beats every long one, by its direction or by its bias', () => {
    // User p = e1. 4 blocks of long rows (|q| ~ 8) score 0.6 each; then, each first in a block of
    // its own (where pass 1 decides whether to go on): row D, short but along p (score 0.9, its
    // bound |p|·|q| is tight), a block of rows scoring 0.3, and row B, shorter still (0.05), which
    // with a bias of 1 ranks first. Pass 1 may stop only after every row that ranks.
    const long = 4 * BLOCK;
    const D = long;
    const B = long + BLOCK;
    for (const biasOfB of [0, 1]) {
      const model = randomModel(5, 1, B + 1, 4, 0);
      model.seenOffsets.fill(0);
      model.userFactors.set([1, 0, 0, 0]);
      model.itemBias.fill(0);
      for (let i = 0; i < long; i++) model.itemFactors.set([0.6, 8, i % 3, 0], i * 4);
      model.itemFactors.set([0.9, 0, 0, 0], D * 4);
      for (let i = D + 1; i < B; i++) model.itemFactors.set([0.3, 0.4, 0, 0], i * 4);
      model.itemFactors.set([0.05, 0, 0, 0], B * 4);
      model.itemBias[B] = biasOfB;
      const stats: RankStats = { scored: 0 };
      const rank = createSimdRanker(model, stats)!;
      const got = Array.from(rank(model, 0, 5));
      expect(got).toEqual(Array.from(topNForUser(model, 0, 5)));
      expect(got.slice(0, 3)).toEqual(biasOfB ? [B, D, 0] : [D, 0, 1]);
      // Without the bias, B's block cannot reach 0.6 and is not scored.
      expect(stats.scored).toBe(biasOfB ? B + 1 : B);
    }
  });

  it('stays exact on long-tailed rows with ties, duplicates and biases of any size', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 500, max: 3_000 }),
        fc.constantFrom(1, 3, 8, 16),
        fc.integer({ min: 0, max: 300 }),
        fc.constantFrom(0, 0.001, 1, 10),
        fc.integer({ min: 0, max: 60 }),
        (seed, nItems, k, dupes, biasScale, n) => {
          const model = longTailed(randomModel(seed, 4, nItems, k, dupes), biasScale);
          const rank = createSimdRanker(model)!;
          for (let u = 0; u < 4; u++) expect(Array.from(rank(model, u, n))).toEqual(Array.from(topNForUser(model, u, n)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('refuses to rank for another model or an index out of range', () => {
    const model = randomModel(3, 2, 10, 4, 0);
    const rank = createSimdRanker(model)!;
    expect(() => rank(randomModel(3, 2, 10, 4, 0), 0, 5)).toThrow(/another model/);
    expect(() => rank(model, 2, 5)).toThrow(/outside/);
  });
});
