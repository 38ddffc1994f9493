// Latency summaries for the simulator's report (pure). Its percentiles are nearest-rank (type 1,
// core/stats.ts): each is a latency some request really had, not one interpolated between two.
import { nearestRankSorted } from '../../core/stats.ts';

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

export function summarize(values: ReadonlyArray<number>): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  // An empty run reports zeros rather than failing the report.
  const at = (q: number) => (n ? nearestRankSorted(sorted, q) : 0);
  return {
    count: n,
    mean: n ? sorted.reduce((a, b) => a + b, 0) / n : 0,
    p50: at(0.5),
    p90: at(0.9),
    p95: at(0.95),
    p99: at(0.99),
    max: n ? sorted[n - 1] : 0,
  };
}
