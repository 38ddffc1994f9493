// Shares of a track's requests: server errors among responses, watch-throughs among served
// recommendation lists. Two-proportion z-test (pooled), Wilson score intervals, Newcombe's
// interval for the difference, and the per-group sample size to detect a stated effect.
import { z } from 'zod';
import { invalidInput, parseInput } from './input.ts';
import { normalCdf, normalQuantile, normalSf } from './normal.ts';

const countsSchema = z
  .object({ events: z.number().finite().min(0), total: z.number().finite().min(0) })
  .refine((c) => c.events <= c.total, { message: 'events must not exceed total', path: ['events'] });

export const proportionPairSchema = z.object({ baseline: countsSchema, canary: countsSchema });
export type Counts = z.infer<typeof countsSchema>;
export type ProportionPair = z.infer<typeof proportionPairSchema>;

const levelSchema = z.number().gt(0).lt(1);

export interface TwoProportionResult {
  baselineRate: number;
  canaryRate: number;
  /** canary rate − baseline rate. */
  difference: number;
  /** (p̂c − p̂b) / √(p̄(1−p̄)(1/n_b + 1/n_c)), p̄ the pooled rate; 0 when p̄ is 0 or 1 (no variation). */
  z: number;
  pTwoSided: number;
  /** One-sided p for "the canary's rate is higher". */
  pGreater: number;
  /** One-sided p for "the canary's rate is lower". */
  pLess: number;
}

/** Two-proportion z-test with the pooled variance (the score test; = Pearson's χ² without continuity correction). */
export function twoProportionZTest(input: unknown): TwoProportionResult {
  const { baseline, canary } = parseInput(proportionPairSchema, input, 'proportions');
  if (baseline.total === 0 || canary.total === 0) throw invalidInput('proportions: both totals must be positive');
  const pb = baseline.events / baseline.total;
  const pc = canary.events / canary.total;
  const pooled = (baseline.events + canary.events) / (baseline.total + canary.total);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / baseline.total + 1 / canary.total));
  const z = se > 0 ? (pc - pb) / se : 0;
  return {
    baselineRate: pb,
    canaryRate: pc,
    difference: pc - pb,
    z,
    pTwoSided: se > 0 ? Math.min(1, 2 * normalSf(Math.abs(z))) : 1,
    pGreater: se > 0 ? normalSf(z) : 1,
    pLess: se > 0 ? normalCdf(z) : 1,
  };
}

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Wilson score interval for events/total at `confidence` (two-sided):
 * (p̂ + z²/2n ± z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n). Unlike the Wald interval it stays inside
 * [0, 1] and is not empty at 0 events (0/50 gives [0, 0.071]).
 */
export function wilsonInterval(counts: Counts, confidence = 0.95): Interval {
  const c = parseInput(countsSchema, counts, 'counts');
  parseInput(levelSchema, confidence, 'confidence');
  if (c.total === 0) return { lower: 0, upper: 1 };
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const n = c.total;
  const p = c.events / n;
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
}

/**
 * Interval for canary rate − baseline rate: Newcombe's hybrid score method (Newcombe 1998,
 * "method 10"), built from the two Wilson intervals; well behaved with few or no events, where
 * the Wald interval collapses to a point.
 */
export function differenceInterval(input: unknown, confidence = 0.95): Interval {
  const { baseline, canary } = parseInput(proportionPairSchema, input, 'proportions');
  if (baseline.total === 0 || canary.total === 0) return { lower: -1, upper: 1 };
  const pb = baseline.events / baseline.total;
  const pc = canary.events / canary.total;
  const wb = wilsonInterval(baseline, confidence);
  const wc = wilsonInterval(canary, confidence);
  const d = pc - pb;
  return {
    lower: d - Math.sqrt((pc - wc.lower) ** 2 + (wb.upper - pb) ** 2),
    upper: d + Math.sqrt((wc.upper - pc) ** 2 + (pb - wb.lower) ** 2),
  };
}

export const effectSchema = z.object({
  /** `absolute`: in rate units (0.02 = two percentage points); `relative`: a fraction of the baseline rate (0.2 = 20 %). */
  kind: z.enum(['absolute', 'relative']),
  value: z.number().finite().min(0),
});
export type Effect = z.infer<typeof effectSchema>;

/** The effect in absolute rate units at a given baseline rate. */
export function absoluteEffect(effect: Effect, baselineRate: number): number {
  return effect.kind === 'absolute' ? effect.value : effect.value * baselineRate;
}

export const sampleSizeSchema = z.object({
  baselineRate: z.number().min(0).max(1),
  minimalDetectableEffect: effectSchema,
  /** Which way the effect to detect goes: the alternative rate is baseline ± effect. */
  direction: z.enum(['increase', 'decrease']).default('increase'),
  alpha: levelSchema.default(0.05),
  power: levelSchema.default(0.8),
  sided: z.union([z.literal(1), z.literal(2)]).default(2),
});
export type SampleSizeInput = z.input<typeof sampleSizeSchema>;

/**
 * Observations needed PER GROUP for the pooled two-proportion z-test to detect p₁ → p₂ (Fleiss,
 * Statistical Methods for Rates and Proportions, the formula without continuity correction):
 * n = (z_{1−α/s}·√(2p̄(1−p̄)) + z_{1−β}·√(p₁(1−p₁) + p₂(1−p₂)))² / (p₁ − p₂)², p̄ = (p₁+p₂)/2,
 * s the number of sides. Rounded up; Infinity for a zero effect (nothing can detect it).
 */
export function minimumSampleSize(input: SampleSizeInput): number {
  const s = parseInput(sampleSizeSchema, input, 'sampleSize');
  const p1 = s.baselineRate;
  const delta = absoluteEffect(s.minimalDetectableEffect, p1);
  const p2 = s.direction === 'increase' ? p1 + delta : p1 - delta;
  if (p2 < 0 || p2 > 1) {
    throw invalidInput(`sampleSize.minimalDetectableEffect: baseline ${p1} ${s.direction === 'increase' ? '+' : '−'} ${delta} leaves [0, 1]`);
  }
  if (delta === 0) return Infinity;
  const zAlpha = normalQuantile(1 - s.alpha / s.sided);
  const zBeta = normalQuantile(s.power);
  const mean = (p1 + p2) / 2;
  const root = zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  // Rounding guard: 3840.0000000001 from floating point is 3840, not 3841.
  return Math.ceil((root * root) / (delta * delta) - 1e-9);
}
