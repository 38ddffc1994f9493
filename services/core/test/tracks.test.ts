import { describe, expect, it } from 'vitest';
import { canaryShare, TRACK_WEIGHTS } from '../tracks.ts';

describe('canaryShare', () => {
  it('is the canary weight over the sum of both', () => {
    expect(TRACK_WEIGHTS).toEqual({ stable: 4, canary: 1 });
    expect(canaryShare()).toBe(0.2);
    expect(canaryShare({ stable: 1, canary: 1 })).toBe(0.5);
    expect(canaryShare({ stable: 3, canary: 0 })).toBe(0);
  });

  it('refuses weights that send traffic nowhere', () => {
    expect(() => canaryShare({ stable: 0, canary: 0 })).toThrow(/no traffic/);
  });
});
