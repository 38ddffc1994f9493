// iALS on worker threads: each worker boots its own TypeScript loader (ts-worker-boot.mjs), a second or
// more under load, so this lives with the integration tests; the unit tests train on the calling thread.
import { describe, expect, it } from 'vitest';
import { buildInteractionMatrix } from '../index.ts';
import { trainIals } from '../ials.ts';
import { plantedData } from './fixtures.ts';

describe('implicit ALS on worker threads', () => {
  it('gives the same factors bit for bit on one thread and on worker threads', async () => {
    const { train } = plantedData();
    const m = buildInteractionMatrix(train, 10);
    const params = { factors: 8, iterations: 3, alpha: 10, lambda: 1, cgSteps: 3 };
    const one = await trainIals(m, params);
    const two = await trainIals(m, params, { threads: 2 });
    expect(Buffer.from(two.userFactors.buffer).equals(Buffer.from(one.userFactors.buffer))).toBe(true);
    expect(Buffer.from(two.itemFactors.buffer).equals(Buffer.from(one.itemFactors.buffer))).toBe(true);
  });
});
