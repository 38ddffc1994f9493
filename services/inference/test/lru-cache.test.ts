import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LruCache } from '../lru-cache.ts';

describe('LruCache', () => {
  it('evicts the least recently used key when full', () => {
    const c = new LruCache<number, string>(2);
    c.set(1, 'a');
    c.set(2, 'b');
    expect(c.get(1)).toBe('a'); // 1 is now the most recent
    c.set(3, 'c');
    expect(c.has(2)).toBe(false);
    expect(c.get(1)).toBe('a');
    expect(c.get(3)).toBe('c');
    expect(c.size).toBe(2);
  });

  it('overwrites a key without growing', () => {
    const c = new LruCache<number, string>(2);
    c.set(1, 'a');
    c.set(1, 'b');
    expect(c.size).toBe(1);
    expect(c.get(1)).toBe('b');
  });

  it('holds nothing with capacity 0 and rejects a bad capacity', () => {
    const c = new LruCache<number, string>(0);
    c.set(1, 'a');
    expect(c.get(1)).toBeUndefined();
    expect(() => new LruCache(-1)).toThrow(/capacity/);
    expect(() => new LruCache(1.5)).toThrow(/capacity/);
  });

  it('keeps evicting the least recently used key through long churn (many evictions and table rehashes)', () => {
    const cap = 50;
    const c = new LruCache<number, number>(cap);
    const ref: number[] = []; // keys, oldest first
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    for (let i = 0; i < 20_000; i++) {
      const k = rand(120);
      const j = ref.indexOf(k);
      if (rand(2) === 0) {
        expect(c.get(k)).toBe(j >= 0 ? k : undefined);
        if (j >= 0) ref.push(...ref.splice(j, 1));
      } else {
        c.set(k, k);
        if (j >= 0) ref.splice(j, 1);
        else if (ref.length >= cap) ref.shift();
        ref.push(k);
      }
      expect(c.size).toBe(ref.length);
    }
    for (const k of ref) expect(c.has(k)).toBe(true);
  });

  it('behaves like a reference LRU on random operations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 8 })), { maxLength: 200 }), (cap, ops) => {
        const c = new LruCache<number, number>(cap);
        let ref: number[] = []; // keys, oldest first
        for (const [isSet, k] of ops) {
          if (isSet) {
            c.set(k, k * 10);
            ref = ref.filter((x) => x !== k);
            if (ref.length >= cap) ref.shift();
            ref.push(k);
          } else {
            const hit = ref.includes(k);
            expect(c.get(k)).toBe(hit ? k * 10 : undefined);
            if (hit) ref = [...ref.filter((x) => x !== k), k];
          }
          expect(c.size).toBe(ref.length);
        }
      }),
    );
  });
});
