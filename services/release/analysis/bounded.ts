// A descriptive guardrail: one figure per track (catalogue coverage, mean popularity of what is
// recommended…) whose canary value may differ from the baseline's by at most a tolerance in the
// harmful direction. No significance test: these are summaries of whole lists, not per-request
// observations with a known variance, so the rule is a bound, and too few lists is never a pass.
import { z } from 'zod';
import { num } from './format.ts';
import { parseInput } from './input.ts';
import { absoluteEffect, effectSchema } from './proportions.ts';
import type { MetricVerdict, VerdictKind } from './verdict.ts';

export const boundedSpecSchema = z.object({
  name: z.string().min(1),
  /** Which change is harmful: coverage `decrease`, popularity of recommended movies `increase`. */
  harmful: z.enum(['increase', 'decrease']),
  /** The harm tolerated: absolute in the figure's units, or relative to the baseline's value. */
  tolerance: effectSchema,
  /** Fewer observations (lists) than this in either track is never a pass. */
  minSamples: z.number().min(1).default(100),
  unit: z.string().default(''),
});
export type BoundedSpec = z.input<typeof boundedSpecSchema>;

const figureSchema = z.object({
  /** NaN or null: nothing to compute the figure from. */
  value: z.union([z.number(), z.nan()]).nullable(),
  /** Observations the figure summarises (lists served). */
  n: z.number().min(0),
});
export const boundedDataSchema = z.object({ baseline: figureSchema, canary: figureSchema });
export type BoundedData = z.input<typeof boundedDataSchema>;

/**
 * nodata: a track without observations or figure; fail: the canary is beyond the tolerance in the
 * harmful direction (with at least minSamples each: a bound on a handful of lists is noise);
 * inconclusive: fewer than minSamples per track; otherwise pass.
 */
export function judgeBounded(specInput: BoundedSpec, dataInput: BoundedData): MetricVerdict {
  const spec = parseInput(boundedSpecSchema, specInput, 'boundedSpec');
  const { baseline, canary } = parseInput(boundedDataSchema, dataInput, spec.name);
  const known = (f: { value: number | null; n: number }) => f.n > 0 && f.value !== null && Number.isFinite(f.value);
  const tolerance = known(baseline) ? absoluteEffect(spec.tolerance, Math.abs(baseline.value!)) : spec.tolerance.value;
  const base = {
    metric: spec.name,
    test: 'bounded-difference' as const,
    n: { baseline: baseline.n, canary: canary.n },
    requiredPerGroup: spec.minSamples,
    statistic: null,
    z: null,
    pValue: null,
    alpha: 0,
    details: { baselineValue: baseline.value, canaryValue: canary.value },
  };
  const effectName = `${spec.harmful} in value`;
  if (!known(baseline) || !known(canary)) {
    return {
      ...base,
      verdict: 'nodata',
      effect: { name: effectName, value: null, tolerance },
      explanation: `${spec.name}: no ${known(canary) ? 'baseline' : 'canary'} observations in the interval`,
    };
  }
  const harm = spec.harmful === 'increase' ? canary.value! - baseline.value! : baseline.value! - canary.value!;
  const unit = spec.unit ? ` ${spec.unit}` : '';
  const figures =
    `canary ${num(canary.value)}${unit} vs baseline ${num(baseline.value)}${unit} (harm ${num(harm)}${unit}, ` +
    `tolerance ${num(tolerance)}${unit}), n = ${num(canary.n)} vs ${num(baseline.n)}`;
  let verdict: VerdictKind;
  let why: string;
  if (Math.min(baseline.n, canary.n) < spec.minSamples) [verdict, why] = ['inconclusive', `too little data: ${num(spec.minSamples)} per track needed`];
  else if (harm > tolerance) [verdict, why] = ['fail', 'harmful difference beyond the tolerance'];
  else [verdict, why] = ['pass', 'within the tolerance'];
  return { ...base, verdict, effect: { name: effectName, value: harm, tolerance }, explanation: `${spec.name}: ${figures}: ${why}` };
}
