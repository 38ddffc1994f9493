// The standard normal distribution, implemented here so the judge has no numeric dependency.
// erf/erfc: the Maclaurin-type series erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) below
// x = 2.5 and the Laplace continued fraction for erfc above (Abramowitz & Stegun 7.1.6 and
// 7.1.14); both agree with tabulated values to about 1e-13 relative (test/analysis/normal.test.ts),
// and the tail is computed as erfc directly, so tiny p-values keep their relative accuracy.
// The quantile is Acklam's rational approximation (relative error < 1.15e-9).
import { invalidInput } from './input.ts';

const SQRT2 = Math.SQRT2;
const SQRT_PI = Math.sqrt(Math.PI);
const SERIES_LIMIT = 2.5;

/** erf for x >= 0 by the everywhere-positive series (no cancellation), used below SERIES_LIMIT. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && term > sum * 1e-17; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
  }
  return ((2 / SQRT_PI) * Math.exp(-x2) * sum);
}

/** erfc for x >= SERIES_LIMIT by the continued fraction, evaluated backwards from a fixed depth. */
function erfcContinuedFraction(x: number): number {
  let t = x;
  for (let k = 120; k >= 1; k--) t = x + k / 2 / t;
  return Math.exp(-x * x) / SQRT_PI / t;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  return x < SERIES_LIMIT ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return -erf(-x);
  return x < SERIES_LIMIT ? erfSeries(x) : 1 - erfcContinuedFraction(x);
}

/** Φ(x) = P(Z <= x). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

/** 1 − Φ(x) = P(Z > x), without the cancellation of 1 − normalCdf(x) in the upper tail. */
export function normalSf(x: number): number {
  return 0.5 * erfc(x / SQRT2);
}

// Acklam's coefficients: central region and the two tails.
const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const P_LOW = 0.02425;

function tail(q: number): number {
  const num = ((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5];
  const den = (((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1;
  return num / den;
}

/** Φ⁻¹(p): the z with P(Z <= z) = p; ±Infinity at 0 and 1. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw invalidInput(`normalQuantile: p must be within [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p < P_LOW) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - P_LOW) return -tail(Math.sqrt(-2 * Math.log1p(-p)));
  const q = p - 0.5;
  const r = q * q;
  const num = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q;
  const den = ((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1;
  return num / den;
}
