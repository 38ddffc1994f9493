import { describe, expect, it } from 'vitest';
import { MarqueeError } from '../../../core/errors.ts';
import { erf, erfc, normalCdf, normalQuantile, normalSf } from '../../analysis/normal.ts';

// Reference values: Abramowitz & Stegun table 7.1 / 26.1, to the digits they give.
describe('erf / erfc', () => {
  it.each([
    [0, 0],
    [0.5, 0.5204998778130465],
    [1, 0.8427007929497149],
    [2, 0.9953222650189527],
    [3, 0.9999779095030014],
  ])('erf(%f)', (x, expected) => {
    expect(erf(x)).toBeCloseTo(expected, 14);
    expect(erf(-x)).toBeCloseTo(-expected, 14);
  });

  it.each([
    [2, 4.677734981047266e-3],
    [2.5, 4.06952017444959e-4],
    [3, 2.209049699858544e-5],
    [5, 1.537459794428035e-12],
  ])('erfc(%f) to 1e-12 relative, in the tail too', (x, expected) => {
    expect(Math.abs(erfc(x) / expected - 1)).toBeLessThan(1e-12);
  });

  it('is continuous where the series hands over to the continued fraction (x = 2.5)', () => {
    // d/dx erfc = −2/√π·e^(−x²) ≈ −2.18e-3 at 2.5, so a step of 1e-9 moves it by ≈ 2.2e-12.
    expect(Math.abs(erfc(2.5 - 1e-9) - erfc(2.5) - 2.18e-12)).toBeLessThan(1e-14);
  });
});

describe('normal CDF and quantile', () => {
  it.each([
    [0, 0.5],
    [1, 0.8413447460685429],
    [1.959963984540054, 0.975],
    [-1.6448536269514722, 0.05],
    [2.3263478740408408, 0.99],
  ])('Φ(%f) = %f', (x, p) => {
    expect(normalCdf(x)).toBeCloseTo(p, 13);
  });

  it('keeps the upper tail accurate (no 1 − Φ cancellation)', () => {
    expect(normalSf(5) / 2.866515718791939e-7 - 1).toBeCloseTo(0, 12);
    expect(normalSf(10) / 7.619853024160527e-24 - 1).toBeCloseTo(0, 10);
  });

  it.each([
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.95, 1.6448536269514722],
    [0.8, 0.8416212335729143],
    [0.01, -2.3263478740408408],
    [1e-10, -6.361340902404056],
  ])('Φ⁻¹(%f) = %f (Acklam, relative error < 1.15e-9)', (p, z) => {
    if (z === 0) expect(Math.abs(normalQuantile(p))).toBeLessThan(1e-15);
    else expect(Math.abs(normalQuantile(p) / z - 1)).toBeLessThan(1.15e-9);
  });

  it('quantile inverts the CDF', () => {
    for (const p of [0.001, 0.02425, 0.1, 0.3, 0.7, 0.9, 0.97575, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 9);
  });

  it('rejects p outside [0, 1] and gives ±∞ at the ends', () => {
    expect(() => normalQuantile(1.2)).toThrow(MarqueeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(/p must be within/);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
});
