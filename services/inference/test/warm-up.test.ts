import { describe, expect, it } from 'vitest';
import type { RankPool } from '../../model/index.ts';
import type { Recommender } from '../recommender.ts';
import { warmUp } from '../warm-up.ts';

function fakes(rank: (u: number) => Promise<Uint32Array>) {
  const asked: number[] = [];
  const ranked: number[] = [];
  const recommender = { recommend: (id: number) => (asked.push(id), Promise.resolve('1,2')) } as unknown as Recommender;
  const pool: RankPool = { workers: 2, ready: false, rank: (u) => (ranked.push(u), rank(u)), close: async () => {} };
  return { recommender, pool, asked, ranked };
}

describe('warm-up before readiness', () => {
  const userIds = Int32Array.from({ length: 1000 }, (_, i) => 10 + i);

  it('ranks on every worker first, then answers users spread over the model', async () => {
    const f = fakes(async () => new Uint32Array(20));
    const r = await warmUp(f.recommender, userIds, f.pool, 8);
    expect(r.users).toBe(8);
    expect(f.ranked).toEqual([0, 125, 250, 375]); // two per worker, by dense index
    expect(f.asked).toEqual([10, 135, 260, 385, 510, 635, 760, 885]); // raw user ids
  });

  it('goes on when the workers fail (the main thread ranks then), and without a pool', async () => {
    const f = fakes(async () => {
      throw new Error('no rank worker is running');
    });
    expect((await warmUp(f.recommender, userIds, f.pool, 4)).users).toBe(4);
    expect(f.asked).toHaveLength(4);
    const g = fakes(async () => new Uint32Array(20));
    expect((await warmUp(g.recommender, userIds.subarray(0, 3), null, 64)).users).toBe(3);
    expect(g.ranked).toEqual([]);
  });
});
