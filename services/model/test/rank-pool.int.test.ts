import { afterEach, describe, expect, it } from 'vitest';
import { topNForUser } from '../index.ts';
import { createRankPool, type RankPool } from '../rank-pool.ts';
import { randomModel } from './fixtures.ts';

const pools: RankPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
});

describe('createRankPool', () => {
  it('ranks on worker threads exactly as topNForUser, many requests at once', async () => {
    const model = randomModel(11, 40, 3000, 100, 30);
    const pool = createRankPool(model, 2)!;
    pools.push(pool);
    expect(pool.workers).toBe(2);
    const users = Array.from({ length: 40 }, (_, u) => u);
    const answers = await Promise.all(users.map((u) => pool.rank(u, 20)));
    for (const u of users) expect(Array.from(answers[u])).toEqual(Array.from(topNForUser(model, u, 20)));
    expect(pool.ready).toBe(true); // a worker says so before it answers
  });

  it('handles n larger than the catalogue and n = 0', async () => {
    const model = randomModel(5, 3, 7, 4, 2);
    const pool = createRankPool(model, 1)!;
    pools.push(pool);
    expect(Array.from(await pool.rank(1, 50))).toEqual(Array.from(topNForUser(model, 1, 50)));
    expect(Array.from(await pool.rank(1, 0))).toEqual([]);
  });

  it('rejects a bad user index and, once closed, every request', async () => {
    const pool = createRankPool(randomModel(5, 3, 20, 4, 0), 1)!;
    await expect(pool.rank(3, 5)).rejects.toThrow(/outside/);
    await pool.close();
    await expect(pool.rank(0, 5)).rejects.toThrow(/no rank worker/);
  });

  it('ranks a factor count that is not a multiple of 4 (rows padded) exactly too', async () => {
    const model = randomModel(6, 3, 30, 2, 3);
    const pool = createRankPool(model, 1)!;
    pools.push(pool);
    for (let u = 0; u < 3; u++) expect(Array.from(await pool.rank(u, 20))).toEqual(Array.from(topNForUser(model, u, 20)));
  });

  it('is not started with no workers', () => {
    expect(createRankPool(randomModel(1, 2, 10, 4, 0), 0)).toBeNull();
  });
});
