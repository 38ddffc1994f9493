import { describe, expect, it } from 'vitest';
import { sgdPass, shuffleShard } from '../sgd-kernel.ts';
import { defaultParams, trainModel, type Rating } from '../index.ts';
import { seedState } from '../random.ts';
import { shardByUser } from '../train.ts';
import { lowRankRatings } from './fixtures.ts';

describe('sgdPass', () => {
  it('applies one Surprise SVD update as computed by hand (k = 2)', () => {
    const P = new Float32Array([0.1, 0.2]);
    const Q = new Float32Array([0.3, -0.1]);
    const bu = new Float32Array([0.05]);
    const bi = new Float32Array([-0.02]);
    // dot = 0.03 - 0.02 = 0.01; pred = 3.5 + 0.05 - 0.02 + 0.01 = 3.54; e = 4 - 3.54 = 0.46
    const sse = sgdPass(new Uint32Array([0]), new Uint32Array([0]), new Float32Array([4]), 1, P, Q, bu, bi, 2, 3.5, 0.01, 0.1);
    expect(sse).toBeCloseTo(0.2116, 6);
    expect(bu[0]).toBeCloseTo(0.05455, 6); // 0.05 + 0.01 (0.46 - 0.1 * 0.05)
    expect(bi[0]).toBeCloseTo(-0.01538, 6); // -0.02 + 0.01 (0.46 + 0.1 * 0.02)
    expect(P[0]).toBeCloseTo(0.10128, 6); // 0.1 + 0.01 (0.46 * 0.3 - 0.1 * 0.1)
    expect(P[1]).toBeCloseTo(0.19934, 6); // 0.2 + 0.01 (0.46 * -0.1 - 0.1 * 0.2)
    expect(Q[0]).toBeCloseTo(0.30016, 6); // 0.3 + 0.01 (0.46 * 0.1 - 0.1 * 0.3), old p
    expect(Q[1]).toBeCloseTo(-0.09898, 6); // -0.1 + 0.01 (0.46 * 0.2 + 0.1 * 0.1), old p
  });

  it('matches the textbook update on the unrolled path (k = 6, second user and item)', () => {
    const k = 6;
    const P = Float32Array.from({ length: 2 * k }, (_, j) => Math.sin(j + 1) / 5);
    const Q = Float32Array.from({ length: 3 * k }, (_, j) => Math.cos(j + 2) / 5);
    const bu = new Float32Array([0.1, -0.2]);
    const bi = new Float32Array([0, 0.3, -0.1]);
    const [p, q] = [Array.from(P.subarray(k, 2 * k)), Array.from(Q.subarray(2 * k, 3 * k))];
    const [lr, reg, mean, r] = [0.05, 0.02, 3.2, 2];
    const err = r - (mean + bu[1] + bi[2] + p.reduce((s, v, f) => s + v * q[f], 0));
    const expectBu = bu[1] + lr * (err - reg * bu[1]);
    const expectBi = bi[2] + lr * (err - reg * bi[2]);
    const expectP = p.map((v, f) => v + lr * (err * q[f] - reg * v));
    const expectQ = q.map((v, f) => v + lr * (err * p[f] - reg * v));
    const sse = sgdPass(new Uint32Array([1]), new Uint32Array([2]), new Float32Array([r]), 1, P, Q, bu, bi, k, mean, lr, reg);
    expect(sse).toBeCloseTo(err * err, 6);
    expect(bu[1]).toBeCloseTo(expectBu, 6);
    expect(bi[2]).toBeCloseTo(expectBi, 6);
    expectP.forEach((v, f) => expect(P[k + f]).toBeCloseTo(v, 6));
    expectQ.forEach((v, f) => expect(Q[2 * k + f]).toBeCloseTo(v, 6));
    // Rows of other users and items are untouched.
    expect(P[0]).toBeCloseTo(Math.sin(1) / 5, 7);
    expect(Q[0]).toBeCloseTo(Math.cos(2) / 5, 7);
  });
});

describe('shuffleShard', () => {
  it('permutes the three arrays together and depends on the seed', () => {
    const n = 50;
    const make = () => ({
      u: Uint32Array.from({ length: n }, (_, j) => j),
      i: Uint32Array.from({ length: n }, (_, j) => 1000 + j),
      r: Float32Array.from({ length: n }, (_, j) => j / 2),
    });
    const a = make();
    shuffleShard(a.u, a.i, a.r, n, seedState(1));
    for (let j = 0; j < n; j++) {
      expect(a.i[j]).toBe(1000 + a.u[j]);
      expect(a.r[j]).toBe(a.u[j] / 2);
    }
    expect([...a.u].sort((x, y) => x - y)).toEqual([...make().u]);
    expect([...a.u]).not.toEqual([...make().u]);
    const b = make();
    shuffleShard(b.u, b.i, b.r, n, seedState(2));
    expect([...b.u]).not.toEqual([...a.u]);
  });
});

describe('trainModel', () => {
  it('drives the train RMSE down epoch after epoch on a low-rank matrix', async () => {
    const rows = lowRankRatings();
    const rmse: number[] = [];
    const model = await trainModel(rows, { ...defaultParams, factors: 3, epochs: 25, lr: 0.02, reg: 0.01 }, { onEpoch: (_e, r) => rmse.push(r) });
    expect(rmse).toHaveLength(25);
    for (let e = 1; e < rmse.length; e++) expect(rmse[e]).toBeLessThan(rmse[e - 1]);
    expect(rmse[24]).toBeLessThan(rmse[0] * 0.25);
    expect(model.userIds).toHaveLength(60);
    expect(model.itemIds).toHaveLength(40);
  });

  it('rejects an empty training set and bad parameters with clear errors', async () => {
    await expect(trainModel([], defaultParams)).rejects.toThrow(/zero ratings/);
    await expect(trainModel(lowRankRatings(), { ...defaultParams, factors: 0 })).rejects.toThrow(/factors/);
    await expect(trainModel(lowRankRatings(), { ...defaultParams, ratingMin: 5, ratingMax: 1 })).rejects.toThrow(/ratingMin/);
  });

  it('builds the seen table from ratings plus extra known pairs, and popularity by damped mean', async () => {
    const rows: Rating[] = [
      { user: 7, movie: 'a', rating: 5 },
      { user: 7, movie: 'b', rating: 1 },
      { user: 3, movie: 'b', rating: 2 },
      { user: 3, movie: 'c', rating: 5 },
      { user: 3, movie: 'c', rating: 5 }, // duplicate pair: seen once
    ];
    const model = await trainModel(rows, { ...defaultParams, factors: 2, epochs: 1 }, {
      extraSeen: [
        { user: 7, movie: 'c' },
        { user: 99, movie: 'a' }, // unknown user: ignored
        { user: 3, movie: 'zzz' }, // unknown movie: ignored
      ],
    });
    expect([...model.userIds]).toEqual([3, 7]);
    expect(model.itemIds).toEqual(['a', 'b', 'c']);
    const seen = (u: number) => [...model.seenItems.subarray(model.seenOffsets[u], model.seenOffsets[u + 1])];
    expect(seen(0)).toEqual([1, 2]);
    expect(seen(1)).toEqual([0, 1, 2]);
    // damped means with m = 20 and mean 3.6: c (2 x 5) > a (1 x 5) > b (1, 2)
    expect([...model.popular]).toEqual([2, 0, 1]);
    expect(model.globalMean).toBeCloseTo(3.6, 10);
  });
});

describe('shardByUser', () => {
  it('splits whole users into shards of about equal size, losing no rating', () => {
    // 30 users with 1..30 ratings each: 465 ratings.
    const users: number[] = [];
    for (let u = 0; u < 30; u++) for (let j = 0; j <= u; j++) users.push(u);
    const n = users.length;
    const U = Uint32Array.from(users);
    const I = Uint32Array.from(users, (u, j) => (u * 7 + j) % 11);
    const R = Float32Array.from(users, (_u, j) => (j % 5) + 1);
    const shards = shardByUser(U, I, R, 30, 3, 1);
    expect(shards).toHaveLength(3);
    expect(shards.reduce((s, x) => s + x.users.length, 0)).toBe(n);
    for (const s of shards) expect(Math.abs(s.users.length - n / 3)).toBeLessThanOrEqual(2);
    const owners = new Map<number, number>();
    shards.forEach((s, k) => s.users.forEach((u) => {
      expect(owners.get(u) ?? k).toBe(k);
      owners.set(u, k);
    }));
    expect(owners.size).toBe(30);
    // Every (user, item, rating) triple survives.
    const triples = (u: ArrayLike<number>, i: ArrayLike<number>, r: ArrayLike<number>) =>
      Array.from({ length: u.length }, (_, j) => `${u[j]}/${i[j]}/${r[j]}`);
    expect(shards.flatMap((s) => triples(s.users, s.items, s.ratings)).sort()).toEqual(triples(U, I, R).sort());
  });
});
