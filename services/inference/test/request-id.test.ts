import { describe, expect, it } from 'vitest';
import { REQUEST_ID_SHAPE, requestIdMinter } from '../request-id.ts';

describe('requestIdMinter', () => {
  it('mints <epoch s>.<ms>-<16 hex> ids that sort by time, then by mint order', () => {
    let t = 1_764_222_222_123;
    const mint = requestIdMinter(() => t);
    const a = mint();
    const b = mint();
    t += 5;
    const c = mint();
    expect(a).toMatch(REQUEST_ID_SHAPE);
    expect(a.startsWith('1764222222.123-')).toBe(true);
    expect(c.startsWith('1764222222.128-')).toBe(true);
    expect([c, b, a].sort()).toEqual([a, b, c]);
  });

  it('gives two processes (minters) different ids at the same instant', () => {
    const now = () => 1_764_222_222_000;
    expect(requestIdMinter(now)()).not.toBe(requestIdMinter(now)());
  });

  it('has the shape NGINX mints, so both kinds sort together', () => {
    expect('1764222222.028-1c8f8dd2e189c301').toMatch(REQUEST_ID_SHAPE);
    expect('0f6c1c1e-1b0a-4c1e-9a59-3f0e1b1a2c3d').not.toMatch(REQUEST_ID_SHAPE);
  });
});
