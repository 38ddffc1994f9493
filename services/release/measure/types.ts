// What the release controller needs from one analysis interval's measurement. The controller
// consumes this interface; the Prometheus/Kafka implementation lives beside it in measure/.
import type { MetricInput } from '../analysis/index.ts';

export type TrackName = 'stable' | 'baseline' | 'canary';

export interface IntervalMeasurement {
  metrics: MetricInput[];              // latency, server errors, watch-through, diversity, as the analysis takes them
  canaryAvgLatencyMs: number | null;   // the hard guardrail (< 500 ms)
  canaryRequests: number;              // analysis starts only once the canary has traffic
  baselineRequests: number;
}

export interface IntervalMeasurer {
  measure(o: { fromMs: number; toMs: number; baselineVersion: string; canaryVersion: string }): Promise<IntervalMeasurement>;
}
