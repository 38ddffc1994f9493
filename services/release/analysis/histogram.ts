// Latency histograms as Prometheus keeps them: bucket upper bounds (`le`) and, per analysis
// interval, how many observations fell in each bucket. Values within one bucket are ties.
import { z } from 'zod';
import { parseInput } from './input.ts';

const count = z.number().min(0);
// zod's number() refuses ±Infinity; the +Inf bucket's bound is Infinity (or Prometheus' "+Inf").
const bound = z.union([z.number(), z.literal('+Inf').transform(() => Infinity), z.literal(Infinity)]);

/**
 * Both tracks' counts over the same buckets, NOT cumulative (see `fromCumulative`). Counts may be
 * fractional, as Prometheus' increase() extrapolates; they are used as weights. The last bound
 * may be Infinity (`+Inf`).
 */
export const histogramPairSchema = z
  .object({
    upperBounds: z.array(bound).min(1),
    baseline: z.array(count),
    canary: z.array(count),
  })
  .superRefine((h, ctx) => {
    for (const track of ['baseline', 'canary'] as const) {
      if (h[track].length !== h.upperBounds.length) {
        ctx.addIssue({ code: 'custom', path: [track], message: `has ${h[track].length} counts for ${h.upperBounds.length} buckets` });
      }
    }
    for (let i = 1; i < h.upperBounds.length; i++) {
      if (!(h.upperBounds[i] > h.upperBounds[i - 1])) {
        ctx.addIssue({ code: 'custom', path: ['upperBounds', i], message: 'bounds must be strictly increasing' });
      }
    }
    if (h.upperBounds.slice(0, -1).some((b) => !Number.isFinite(b))) {
      ctx.addIssue({ code: 'custom', path: ['upperBounds'], message: 'only the last bound may be infinite' });
    }
  });

export type HistogramPair = z.infer<typeof histogramPairSchema>;

export function parseHistogramPair(value: unknown): HistogramPair {
  return parseInput(histogramPairSchema, value, 'histogram');
}

/**
 * Per-bucket counts from Prometheus' cumulative `le` counts (each bucket counts everything at or
 * below its bound). A decrease (a counter reset inside the window, or increase() rounding) is
 * clamped to 0 rather than producing a negative count.
 */
export function fromCumulative(cumulative: readonly number[]): number[] {
  return cumulative.map((c, i) => Math.max(0, c - (i === 0 ? 0 : cumulative[i - 1])));
}

/**
 * The q-quantile of one track's histogram, interpolated linearly within its bucket the way
 * Prometheus' histogram_quantile() does: the first bucket starts at 0 (when its bound is
 * positive), and a quantile in the +Inf bucket is the highest finite bound. NaN when empty.
 */
export function histogramQuantile(upperBounds: readonly number[], counts: readonly number[], q: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < counts.length; i++) {
    const upper = upperBounds[i];
    if (below + counts[i] >= rank && counts[i] > 0) {
      if (!Number.isFinite(upper)) return i > 0 ? upperBounds[i - 1] : Number.NaN;
      const lower = i > 0 ? upperBounds[i - 1] : Math.min(0, upper);
      return lower + ((upper - lower) * (rank - below)) / counts[i];
    }
    below += counts[i];
  }
  return upperBounds[upperBounds.length - 1];
}
