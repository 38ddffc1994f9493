import { describe, expect, it } from 'vitest';
import { defaultParams, evaluate, movieIndexOf, predict, topNForUser, userIndexOf, type Model } from '../index.ts';

/** Two factors, users 10, 20, 30 and items a..d; item scores b_i + q_i·p_u worked out by hand below. */
function handModel(): Model {
  return {
    params: { ...defaultParams, factors: 2 },
    globalMean: 3,
    userIds: Int32Array.of(10, 20, 30),
    itemIds: ['a', 'b', 'c', 'd'],
    userBias: Float32Array.of(0.5, -0.5, 0),
    itemBias: Float32Array.of(0, 0.25, 0.125, 0),
    userFactors: Float32Array.of(1, 0, 0, 1, 3, 0),
    itemFactors: Float32Array.of(1, 0, 0.5, 0.5, 0, 1, -1, 0),
    seenOffsets: Uint32Array.of(0, 1, 2, 2), // user 10 saw a, user 20 saw c, user 30 nothing
    seenItems: Uint32Array.of(0, 2),
    popular: Uint32Array.of(1, 0, 2, 3),
  };
}

describe('predict', () => {
  const model = handModel();
  it('is mean + b_u + b_i + q·p for known pairs', () => {
    expect(predict(model, 10, 'a')).toBeCloseTo(4.5, 6); // 3 + 0.5 + 0 + 1
    expect(predict(model, 10, 'b')).toBeCloseTo(4.25, 6); // 3 + 0.5 + 0.25 + 0.5
    expect(predict(model, 20, 'c')).toBeCloseTo(3.625, 6); // 3 - 0.5 + 0.125 + 1
  });
  it('clips to [ratingMin, ratingMax]', () => {
    expect(predict(model, 30, 'a')).toBe(5); // 3 + 3 = 6
    expect(predict(model, 30, 'd')).toBe(1); // 3 - 3 = 0
  });
  it('falls back to the known biases and the global mean', () => {
    expect(predict(model, 99, 'b')).toBeCloseTo(3.25, 6);
    expect(predict(model, 10, 'zz')).toBeCloseTo(3.5, 6);
    expect(predict(model, 99, 'zz')).toBe(3);
  });
  it('maps raw ids to dense indexes', () => {
    expect([10, 20, 30, 15, 99].map((id) => userIndexOf(model, id))).toEqual([0, 1, 2, -1, -1]);
    expect(['a', 'd', 'x'].map((id) => movieIndexOf(model, id))).toEqual([0, 3, -1]);
  });
});

describe('topNForUser', () => {
  const model = handModel();
  it('ranks unseen items best first and excludes seen ones', () => {
    // user 10: a seen; b 0.75, c 0.125, d -1
    expect([...topNForUser(model, 0, 3)]).toEqual([1, 2, 3]);
    expect([...topNForUser(model, 0, 2)]).toEqual([1, 2]);
    // user 20: c seen; b 0.75, then a and d tie at 0 -> lower index first
    expect([...topNForUser(model, 1, 3)]).toEqual([1, 0, 3]);
  });
  it('returns what there is when n exceeds the unseen items, and nothing for n = 0', () => {
    expect([...topNForUser(model, 2, 10)]).toEqual([0, 1, 2, 3]); // 3, 1.75, 0.125, -3
    expect(topNForUser(model, 2, 0)).toHaveLength(0);
  });
  it('leaves no trace between calls (the seen filter is reset)', () => {
    topNForUser(model, 0, 4);
    expect([...topNForUser(model, 2, 4)]).toEqual([0, 1, 2, 3]);
  });
  it('agrees with a full sort on a larger random model', () => {
    const k = 7;
    const nItems = 500;
    const rand = (() => {
      let s = 12345;
      return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296) - 0.5;
    })();
    const big: Model = {
      ...handModel(),
      params: { ...defaultParams, factors: k },
      userIds: Int32Array.of(1),
      itemIds: Array.from({ length: nItems }, (_, i) => `m${i}`),
      userBias: Float32Array.of(0),
      itemBias: Float32Array.from({ length: nItems }, rand),
      userFactors: Float32Array.from({ length: k }, rand),
      itemFactors: Float32Array.from({ length: nItems * k }, rand),
      seenOffsets: Uint32Array.of(0, 3),
      seenItems: Uint32Array.of(4, 50, 300),
    };
    const score = (i: number) => {
      let s = big.itemBias[i];
      for (let f = 0; f < k; f++) s += big.userFactors[f] * big.itemFactors[i * k + f];
      return s;
    };
    const expected = Array.from({ length: nItems }, (_, i) => i)
      .filter((i) => ![4, 50, 300].includes(i))
      .sort((a, b) => score(b) - score(a))
      .slice(0, 25);
    expect([...topNForUser(big, 0, 25)]).toEqual(expected);
  });
  it('rejects a user index outside the model', () => {
    expect(() => topNForUser(model, 3, 5)).toThrow(RangeError);
    expect(() => topNForUser(model, -1, 5)).toThrow(RangeError);
  });
});

describe('evaluate', () => {
  it('computes rating error and top-20 ranking metrics on a hand-made case', () => {
    const test = [
      { user: 10, movie: 'b', rating: 5 }, // pred 4.25, err 0.75, relevant
      { user: 10, movie: 'd', rating: 4 }, // pred 2.5, err 1.5, relevant
      { user: 10, movie: 'zz', rating: 5 }, // unknown movie: pred 3.5, err 1.5, relevant but never rankable
      { user: 20, movie: 'a', rating: 2 }, // pred 2.5, err -0.5; user 20 has nothing relevant
      { user: 99, movie: 'b', rating: 4 }, // unknown user: pred 3.25, err 0.75; not ranked
    ];
    const m = evaluate(handModel(), test);
    expect(m.rmse).toBeCloseTo(Math.sqrt((0.5625 + 2.25 + 2.25 + 0.25 + 0.5625) / 5), 6);
    expect(m.mae).toBeCloseTo((0.75 + 1.5 + 1.5 + 0.5 + 0.75) / 5, 6);
    // user 10 ranks b, c, d: hits b (rank 1) and d (rank 3) of 3 relevant.
    expect(m.rankingUsers).toBe(1);
    expect(m.precisionAt20).toBeCloseTo(2 / 20, 10);
    expect(m.recallAt20).toBeCloseTo(2 / 3, 10);
    expect(m.ndcgAt20).toBeCloseTo((1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3) + 1 / Math.log2(4)), 10);
  });
  it('samples at most maxRankingUsers users for the ranking metrics', () => {
    const test = [
      { user: 10, movie: 'b', rating: 5 },
      { user: 20, movie: 'b', rating: 5 },
      { user: 30, movie: 'a', rating: 5 },
    ];
    expect(evaluate(handModel(), test).rankingUsers).toBe(3);
    expect(evaluate(handModel(), test, { maxRankingUsers: 2 }).rankingUsers).toBe(2);
  });
  it('rejects an empty test set', () => {
    expect(() => evaluate(handModel(), [])).toThrow(/empty test set/);
  });
});
