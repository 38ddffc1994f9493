import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topNForUser } from '../index.ts';
import { createSimdRanker, KERNEL_WASM } from '../simd-ranker.ts';
import { randomModel } from './fixtures.ts';

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

  it('refuses to rank for another model or an index out of range', () => {
    const model = randomModel(3, 2, 10, 4, 0);
    const rank = createSimdRanker(model)!;
    expect(() => rank(randomModel(3, 2, 10, 4, 0), 0, 5)).toThrow(/another model/);
    expect(() => rank(model, 2, 5)).toThrow(/outside/);
  });
});
