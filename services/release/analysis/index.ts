// The release judge's statistics: pure functions, no I/O. See services/release/README.md,
// "Analysis (statistics)".
export { erf, erfc, normalCdf, normalQuantile, normalSf } from './normal.ts';
export { fromCumulative, histogramPairSchema, histogramQuantile, type HistogramPair } from './histogram.ts';
export { compareHistograms, compareSamples, mannWhitneyGrouped, type LatencyComparison, type MannWhitneyResult, type TieGroup } from './mann-whitney.ts';
export { differenceInterval, minimumSampleSize, twoProportionZTest, wilsonInterval, type Effect, type Interval, type SampleSizeInput, type TwoProportionResult } from './proportions.ts';
export { judgeLatency, judgeMetric, judgeProportion, type LatencyData, type LatencySpec, type MetricInput, type MetricVerdict, type ProportionData, type ProportionSpec, type VerdictKind } from './verdict.ts';
export { judgeBounded, type BoundedData, type BoundedSpec } from './bounded.ts';
export { decideInterval, type DecisionConfig, type IntervalDecision, type IntervalDecisionKind, type MetricContribution } from './decision.ts';
export { recordInterval, resumeRun, startRun, type IntervalOutcome, type RunLimits, type RunState, type RunStatus } from './run.ts';
export { analyzeInterval, type IntervalAnalysis } from './interval.ts';
