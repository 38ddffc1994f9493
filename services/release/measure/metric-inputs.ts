// The measured figures as the judge's inputs (pure): one MetricInput per metric, with the specs
// (tolerances, minimal detectable effects) the release is judged by.
import type { BoundedSpec, DecisionConfig, HistogramPair, LatencySpec, MetricInput, ProportionSpec } from '../analysis/index.ts';
import type { DiversityFigures } from './diversity.ts';

export const METRICS = {
  latency: 'latency',
  serverFailures: 'server-failures',
  watchThrough: 'watch-through',
  coverage: 'catalogue-coverage',
  popularity: 'recommended-popularity',
} as const;

type Without<T> = Partial<Omit<T, 'name' | 'harmful'>>;

export interface MetricSpecs {
  latency?: Without<LatencySpec>;
  serverFailures?: Without<ProportionSpec>;
  watchThrough?: Without<ProportionSpec>;
  coverage?: Without<BoundedSpec>;
  popularity?: Without<BoundedSpec>;
}

/** Defaults: the harm each metric must be able to see, and how much of it is let through. */
export const DEFAULT_SPECS = {
  // 10 % of the median, and at least 5 ms: below that no caller (600 ms budget) notices a change.
  latency: { tolerance: 0.1, minAbsoluteEffect: 0.005, minSamples: 50, unit: 's' },
  // Absolute: a healthy baseline has ~0 failures, and a relative effect of 0 is no effect at all.
  // 1 pp needs 615 requests per track from a baseline at 0 (one-sided, α 0.05, power 0.8).
  serverFailures: { minimalDetectableEffect: { kind: 'absolute', value: 0.01 }, tolerance: { kind: 'absolute', value: 0.005 } },
  watchThrough: { minimalDetectableEffect: { kind: 'relative', value: 0.1 }, tolerance: { kind: 'relative', value: 0.05 } },
  coverage: { tolerance: { kind: 'relative', value: 0.2 }, minSamples: 100 },
  popularity: { tolerance: { kind: 'absolute', value: 10 }, minSamples: 100, unit: 'pct' },
} as const satisfies Required<MetricSpecs>;

/**
 * How the interval is decided from these metrics: watch-through (what the recommender is for) and
 * server failures are critical — a release is never promoted without their verdicts; the
 * diversity guardrails count half.
 */
export const MEASURED_DECISION_CONFIG: DecisionConfig = {
  metrics: {
    [METRICS.latency]: { weight: 1 },
    [METRICS.serverFailures]: { weight: 1, critical: true },
    [METRICS.watchThrough]: { weight: 1, critical: true },
    [METRICS.coverage]: { weight: 0.5 },
    [METRICS.popularity]: { weight: 0.5 },
  },
};

type Pair = { baseline: { events: number; total: number }; canary: { events: number; total: number } };

export interface MeasuredFigures {
  latency: HistogramPair;
  /** 5xx + abandoned answers among servable requests, per track. */
  serverFailures: Pair;
  watchThrough: Pair;
  diversity: DiversityFigures;
}

export function metricInputs(f: MeasuredFigures, specs: MetricSpecs = {}): MetricInput[] {
  const nanToNull = (v: number) => (Number.isNaN(v) ? null : v);
  const bounded = (value: { baseline: number; canary: number }, n: { baseline: number; canary: number }) => ({
    baseline: { value: nanToNull(value.baseline), n: n.baseline },
    canary: { value: nanToNull(value.canary), n: n.canary },
  });
  const d = f.diversity;
  return [
    { kind: 'latency', spec: { ...DEFAULT_SPECS.latency, ...specs.latency, name: METRICS.latency, harmful: 'increase' }, data: { histogram: f.latency } },
    {
      kind: 'proportion',
      spec: { ...DEFAULT_SPECS.serverFailures, ...specs.serverFailures, name: METRICS.serverFailures, harmful: 'increase' },
      data: f.serverFailures,
    },
    {
      kind: 'proportion',
      spec: { ...DEFAULT_SPECS.watchThrough, ...specs.watchThrough, name: METRICS.watchThrough, harmful: 'decrease' },
      data: f.watchThrough,
    },
    {
      kind: 'bounded',
      spec: { ...DEFAULT_SPECS.coverage, ...specs.coverage, name: METRICS.coverage, harmful: 'decrease' },
      data: bounded(d.coverage, { baseline: d.coverage.listsEach, canary: d.coverage.listsEach }),
    },
    {
      kind: 'bounded',
      spec: { ...DEFAULT_SPECS.popularity, ...specs.popularity, name: METRICS.popularity, harmful: 'increase' },
      data: bounded(d.meanPopularity, d.lists),
    },
  ];
}
