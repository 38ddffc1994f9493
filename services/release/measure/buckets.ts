// Prometheus' `sum by (le)` answers → the judge's per-bucket histogram pair (pure).
import { fromCumulative, type HistogramPair } from '../analysis/index.ts';
import type { InstantSample } from '../prometheus-client.ts';

const boundOf = (le: string): number => (le === '+Inf' ? Infinity : Number(le));

/**
 * Both tracks over the union of their `le` bounds, cumulative counts turned per-bucket. A bound one
 * track lacks (a replica with other buckets, or no series at all) takes that track's count at the
 * bound below it: a cumulative count never falls. Samples without a numeric `le` are ignored.
 */
export function histogramPair(baseline: readonly InstantSample[], canary: readonly InstantSample[]): HistogramPair {
  const cumulativeOf = (samples: readonly InstantSample[]) => {
    const m = new Map<number, number>();
    for (const s of samples) {
      const b = boundOf(s.metric.le ?? '');
      if (!Number.isNaN(b) && Number.isFinite(s.value)) m.set(b, s.value);
    }
    return m;
  };
  const b = cumulativeOf(baseline);
  const c = cumulativeOf(canary);
  const upperBounds = [...new Set([...b.keys(), ...c.keys()])].sort((x, y) => x - y);
  const along = (m: Map<number, number>) => {
    let last = 0;
    return upperBounds.map((u) => (last = Math.max(last, m.get(u) ?? last)));
  };
  return { upperBounds, baseline: fromCumulative(along(b)), canary: fromCumulative(along(c)) };
}
