import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topNForUser } from '../../model/index.ts';
import { createSimdRanker, KERNEL_WASM } from '../simd-ranker.ts';
import { randomModel, tinyModel } from './fixtures.ts';

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
        fc.constantFrom(4, 8, 12, 100),
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

  it('declines factor counts that are not a multiple of 4, so the caller keeps topNForUser', () => {
    for (const k of [1, 2, 3, 10]) expect(createSimdRanker(randomModel(1, 2, 10, k, 0))).toBeNull();
    expect(createSimdRanker(tinyModel())).toBeNull(); // 2 factors
  });

  it('refuses to rank for another model or an index out of range', () => {
    const model = randomModel(3, 2, 10, 4, 0);
    const rank = createSimdRanker(model)!;
    expect(() => rank(randomModel(3, 2, 10, 4, 0), 0, 5)).toThrow(/another model/);
    expect(() => rank(model, 2, 5)).toThrow(/outside/);
  });
});
