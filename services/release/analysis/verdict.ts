// Per-metric verdicts, canary against baseline. `pass` needs evidence: enough data to have
// detected the stated harm, and no harmful difference beyond the tolerance. Only harm counts
// (the direction is per metric): a faster canary or a higher watch-through never fails.
import { z } from 'zod';
import { judgeBounded, type BoundedData, type BoundedSpec } from './bounded.ts';
import { num, pValue, signedPct } from './format.ts';
import { histogramPairSchema } from './histogram.ts';
import { parseInput } from './input.ts';
import { compareHistograms, compareSamples, samplePairSchema, type LatencyComparison } from './mann-whitney.ts';
import { absoluteEffect, effectSchema, minimumSampleSize, proportionPairSchema, twoProportionZTest } from './proportions.ts';

export type VerdictKind = 'pass' | 'fail' | 'inconclusive' | 'nodata';

export interface MetricVerdict {
  metric: string;
  test: 'mann-whitney-u' | 'two-proportion-z' | 'bounded-difference';
  verdict: VerdictKind;
  /** Observations per track (requests, or recommendation lists). */
  n: { baseline: number; canary: number };
  /** Per-group n below which a pass is not given (minSamples, or the sample size for the effect). */
  requiredPerGroup: number;
  /** Mann-Whitney: U of the canary; two-proportion: z. Null without data. */
  statistic: number | null;
  z: number | null;
  /** One-sided p-value in the harmful direction. */
  pValue: number | null;
  alpha: number;
  /** The effect the tolerance applies to, signed so that positive is harmful, and that tolerance. */
  effect: { name: string; value: number | null; tolerance: number };
  /** Further figures for the report (medians, Cliff's delta, rates, confidence bounds…). */
  details: Record<string, number | null>;
  explanation: string;
}

const levelSchema = z.number().gt(0).lt(1);
const harmSchema = z.enum(['increase', 'decrease']);

export const latencySpecSchema = z.object({
  name: z.string().min(1),
  /** Which change is harmful; latency: `increase`. */
  harmful: harmSchema.default('increase'),
  /** Effect-size tolerance: the canary's median may differ from the baseline's by this fraction in the harmful direction (0.1 = 10 %). */
  tolerance: z.number().min(0).default(0.1),
  /**
   * And by at least this much in the data's unit (a floor under the relative tolerance): at medians
   * of a millisecond, 10 % is 0.1 ms, noise that no caller notices but a rank test finds significant.
   */
  minAbsoluteEffect: z.number().min(0).default(0),
  alpha: levelSchema.default(0.05),
  /** Fewer observations than this in either track is never a pass. */
  minSamples: z.number().min(1).default(50),
  unit: z.string().default(''),
});
export type LatencySpec = z.input<typeof latencySpecSchema>;

export const latencyDataSchema = z.union([
  z.object({ histogram: histogramPairSchema }),
  z.object({ samples: samplePairSchema }),
]);
export type LatencyData = z.input<typeof latencyDataSchema>;

/**
 * Latency (or any distribution): Mann-Whitney U, one-sided in the harmful direction, plus the
 * median ratio against the tolerance. fail: significant AND beyond the tolerance (Kayenta's
 * effect-size rule). inconclusive: below minSamples, or beyond the tolerance without significance
 * (the test could not tell; never a pass). nodata: a track with no observations.
 */
export function judgeLatency(specInput: LatencySpec, dataInput: LatencyData): MetricVerdict {
  const spec = parseInput(latencySpecSchema, specInput, 'latencySpec');
  const data = parseInput(latencyDataSchema, dataInput, spec.name);
  const r: LatencyComparison = 'histogram' in data ? compareHistograms(data.histogram) : compareSamples(data.samples);
  const increase = spec.harmful === 'increase';
  const harm = increase ? r.medianRatio - 1 : 1 - r.medianRatio;
  const p = increase ? r.pGreater : r.pLess;
  const empty = r.nBaseline === 0 || r.nCanary === 0;
  const base = {
    metric: spec.name,
    test: 'mann-whitney-u' as const,
    n: { baseline: r.nBaseline, canary: r.nCanary },
    requiredPerGroup: spec.minSamples,
    statistic: empty ? null : r.uCanary,
    z: empty ? null : r.z,
    pValue: empty ? null : p,
    alpha: spec.alpha,
    effect: { name: `relative median ${spec.harmful}`, value: empty ? null : harm, tolerance: spec.tolerance },
    details: {
      baselineMedian: nullIfNaN(r.baselineMedian),
      canaryMedian: nullIfNaN(r.canaryMedian),
      medianRatio: nullIfNaN(r.medianRatio),
      cliffsDelta: nullIfNaN(r.cliffsDelta),
      probabilityOfSuperiority: nullIfNaN(r.probabilityOfSuperiority),
      pTwoSided: empty ? null : r.pTwoSided,
    },
  };
  const unit = spec.unit ? ` ${spec.unit}` : '';
  if (empty) {
    return { ...base, verdict: 'nodata', explanation: `${spec.name}: no ${r.nCanary === 0 ? 'canary' : 'baseline'} observations in the interval` };
  }
  const figures =
    `canary median ${num(r.canaryMedian)}${unit} vs baseline ${num(r.baselineMedian)}${unit} ` +
    `(${signedPct(r.medianRatio - 1)}, tolerance ${spec.tolerance * 100} %${spec.minAbsoluteEffect > 0 ? ` and ${num(spec.minAbsoluteEffect)}${unit}` : ''}), ` +
    `n = ${num(r.nCanary)} vs ${num(r.nBaseline)}, U = ${num(r.uCanary)}, z = ${num(r.z)}, one-sided p = ${pValue(p)}`;
  const absoluteHarm = increase ? r.canaryMedian - r.baselineMedian : r.baselineMedian - r.canaryMedian;
  const beyond = harm > spec.tolerance && absoluteHarm > spec.minAbsoluteEffect;
  const significant = p < spec.alpha;
  const [verdict, why] = classify(beyond, significant, Math.min(r.nBaseline, r.nCanary) < spec.minSamples, spec.minSamples);
  return { ...base, verdict, explanation: `${spec.name}: ${figures}: ${why}` };
}

export const proportionSpecSchema = z.object({
  name: z.string().min(1),
  /** Which change is harmful: server-error share `increase`, watch-through `decrease`. */
  harmful: harmSchema,
  /** How much harm is tolerated before a significant difference fails (0: any significant harm fails). */
  tolerance: effectSchema.default({ kind: 'absolute', value: 0 }),
  /** The harm the window must be long enough to detect: sets the sample size below which no pass is given. */
  minimalDetectableEffect: effectSchema,
  /** Baseline rate for the sample size; by default the baseline's observed rate. */
  plannedBaselineRate: z.number().min(0).max(1).optional(),
  alpha: levelSchema.default(0.05),
  power: levelSchema.default(0.8),
});
export type ProportionSpec = z.input<typeof proportionSpecSchema>;
export type ProportionData = z.input<typeof proportionPairSchema>;

/**
 * A share (errors, watch-through): pooled two-proportion z-test, one-sided in the harmful
 * direction. fail: significant AND the difference beyond the tolerance. inconclusive: either
 * group below the per-group sample size needed to detect minimalDetectableEffect with the stated
 * power (so 0 errors of 50 against 0 of 50 is not a pass), or beyond the tolerance without
 * significance. nodata: a track with no observations.
 */
export function judgeProportion(specInput: ProportionSpec, dataInput: ProportionData): MetricVerdict {
  const spec = parseInput(proportionSpecSchema, specInput, 'proportionSpec');
  const data = parseInput(proportionPairSchema, dataInput, spec.name);
  const { baseline, canary } = data;
  const observedBaseline = baseline.total > 0 ? baseline.events / baseline.total : 0;
  const required = requiredPerGroup(spec, spec.plannedBaselineRate ?? observedBaseline);
  const base = {
    metric: spec.name,
    test: 'two-proportion-z' as const,
    n: { baseline: baseline.total, canary: canary.total },
    requiredPerGroup: required,
    alpha: spec.alpha,
  };
  if (baseline.total === 0 || canary.total === 0) {
    return {
      ...base,
      verdict: 'nodata',
      statistic: null,
      z: null,
      pValue: null,
      effect: { name: `${spec.harmful} in rate`, value: null, tolerance: absoluteEffect(spec.tolerance, observedBaseline) },
      details: {},
      explanation: `${spec.name}: no ${canary.total === 0 ? 'canary' : 'baseline'} observations in the interval`,
    };
  }
  const t = twoProportionZTest(data);
  const increase = spec.harmful === 'increase';
  const harm = increase ? t.difference : -t.difference;
  const p = increase ? t.pGreater : t.pLess;
  const tolerance = absoluteEffect(spec.tolerance, t.baselineRate);
  const figures =
    `canary ${num(canary.events)}/${num(canary.total)} = ${pct(t.canaryRate)} vs baseline ` +
    `${num(baseline.events)}/${num(baseline.total)} = ${pct(t.baselineRate)} (harm ${num(harm * 100)} pp, tolerance ` +
    `${num(tolerance * 100)} pp), z = ${num(t.z)}, one-sided p = ${pValue(p)}`;
  const [verdict, why] = classify(harm > tolerance, p < spec.alpha, Math.min(baseline.total, canary.total) < required, required);
  return {
    ...base,
    verdict,
    statistic: t.z,
    z: t.z,
    pValue: p,
    effect: { name: `${spec.harmful} in rate`, value: harm, tolerance },
    details: { baselineRate: t.baselineRate, canaryRate: t.canaryRate, difference: t.difference, pTwoSided: t.pTwoSided },
    explanation: `${spec.name}: ${figures}: ${why}`,
  };
}

/** The shared rule, in order: harmful beyond tolerance and significant → fail; too little data → inconclusive; … */
function classify(beyond: boolean, significant: boolean, tooFew: boolean, required: number): [VerdictKind, string] {
  if (beyond && significant) return ['fail', 'harmful difference beyond the tolerance, significant'];
  if (tooFew) return ['inconclusive', `too little data: ${num(required)} per track needed before a pass`];
  if (beyond) return ['inconclusive', 'beyond the tolerance but not significant: cannot tell yet'];
  return ['pass', significant ? 'harmful difference significant but within the tolerance' : 'no harmful difference beyond the tolerance'];
}

/** Per-group sample size for the spec's effect, one-sided; an effect running past 0 or 1 is cut there. */
function requiredPerGroup(spec: z.output<typeof proportionSpecSchema>, rate: number): number {
  const room = spec.harmful === 'increase' ? 1 - rate : rate;
  const delta = Math.min(absoluteEffect(spec.minimalDetectableEffect, rate), room);
  return minimumSampleSize({
    baselineRate: rate,
    minimalDetectableEffect: { kind: 'absolute', value: delta },
    direction: spec.harmful,
    alpha: spec.alpha,
    power: spec.power,
    sided: 1,
  });
}

function pct(rate: number): string {
  return `${num(rate * 100)} %`;
}

function nullIfNaN(v: number): number | null {
  return Number.isNaN(v) ? null : v;
}

export type MetricInput =
  | { kind: 'latency'; spec: LatencySpec; data: LatencyData }
  | { kind: 'proportion'; spec: ProportionSpec; data: ProportionData }
  | { kind: 'bounded'; spec: BoundedSpec; data: BoundedData };

/** One verdict per metric, whatever its kind. */
export function judgeMetric(input: MetricInput): MetricVerdict {
  switch (input.kind) {
    case 'latency':
      return judgeLatency(input.spec, input.data);
    case 'proportion':
      return judgeProportion(input.spec, input.data);
    case 'bounded':
      return judgeBounded(input.spec, input.data);
  }
}
