import { describe, expect, it } from 'vitest';
import { userIndexOf, userLookup } from '../index.ts';

describe('userIndexOf', () => {
  it('finds dense ids through a table and sparse ones through a map, -1 for the rest', () => {
    for (const userIds of [Int32Array.from([10, 20, 30]), Int32Array.from([5, 2_000_000_000, 7])]) {
      const model = { userIds };
      expect(Array.from(userIds, (id) => userIndexOf(model, id))).toEqual([0, 1, 2]);
      for (const other of [0, -1, 11, 1.5, 2_100_000_000, NaN]) expect(userIndexOf(model, other)).toBe(-1);
    }
  });

  it('builds one lookup per user-id array, shared by models that share it', () => {
    const userIds = Int32Array.from([1, 2, 3]);
    expect(userLookup({ userIds })).toBe(userLookup({ userIds }));
  });
});
