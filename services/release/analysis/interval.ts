// One analysis interval end to end: every metric judged, then the interval decided. The one call
// the controller needs per interval (its result goes to recordInterval and the report).
import { decideInterval, type DecisionConfig, type IntervalDecision } from './decision.ts';
import { judgeMetric, type MetricInput, type MetricVerdict } from './verdict.ts';

export interface IntervalAnalysis extends IntervalDecision {
  verdicts: MetricVerdict[];
}

export function analyzeInterval(
  input: { metrics: readonly MetricInput[]; canaryAvgLatencyMs: number | null },
  config: DecisionConfig = {},
): IntervalAnalysis {
  const verdicts = input.metrics.map(judgeMetric);
  return { ...decideInterval({ verdicts, canaryAvgLatencyMs: input.canaryAvgLatencyMs }, config), verdicts };
}
