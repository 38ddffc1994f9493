// Diversity of what a track recommends (pure): catalogue coverage and how popular the recommended
// movies are. A feedback loop narrows both over time: lists concentrate on what is already watched.
import type { ServedList, Watch } from '../online/types.ts';

/** A movie's popularity percentile in [0, 100] (100: the most watched), undefined when unknown. */
export type PopularityOf = (movieId: string) => number | undefined;

/**
 * Mid-rank percentiles from watch counts: 100 · (movies watched less + half of those watched as
 * often) / movies. A movie not in `counts` is unknown.
 */
export function popularityFromCounts(counts: ReadonlyMap<string, number>): PopularityOf {
  const sorted = [...counts.values()].sort((a, b) => a - b);
  const n = sorted.length;
  const percentile = new Map<number, number>();
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && sorted[j] === sorted[i]) j++;
    percentile.set(sorted[i], (100 * (i + (j - i) / 2)) / n);
    i = j;
  }
  return (movieId) => {
    const c = counts.get(movieId);
    return c === undefined ? undefined : percentile.get(c);
  };
}

/** Watched minutes per movie: popularity as the stream shows it now. */
export function watchCounts(watches: Iterable<Watch>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of watches) counts.set(w.movieId, (counts.get(w.movieId) ?? 0) + 1);
  return counts;
}

/** `k` of `lists` spread evenly over them (all of them when k >= their number), order kept. */
export function evenSubsample<T>(lists: readonly T[], k: number): T[] {
  if (k >= lists.length) return [...lists];
  if (k <= 0) return [];
  return Array.from({ length: k }, (_, i) => lists[Math.floor(((i + 0.5) * lists.length) / k)]);
}

/** Distinct movies listed / catalogue size; NaN without lists. */
export function coverage(lists: readonly ServedList[], catalogueSize: number): number {
  if (lists.length === 0 || !(catalogueSize > 0)) return NaN;
  const distinct = new Set<string>();
  for (const l of lists) for (const id of l.ids) distinct.add(id);
  return distinct.size / catalogueSize;
}

/** Mean popularity percentile over every listed movie; a movie of unknown popularity counts as 0 (never watched). NaN without any. */
export function meanPopularity(lists: readonly ServedList[], popularityOf: PopularityOf): number {
  let sum = 0;
  let n = 0;
  for (const l of lists) {
    for (const id of l.ids) {
      sum += popularityOf(id) ?? 0;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

export interface DiversityFigures {
  /** Lists each track's figures are over. Coverage compares equal numbers (it grows with n). */
  lists: { baseline: number; canary: number };
  coverage: { baseline: number; canary: number; listsEach: number; catalogueSize: number };
  meanPopularity: { baseline: number; canary: number };
}

/**
 * Coverage over the same number of lists per track (the smaller track's, spread evenly over the
 * larger's), since more lists name more distinct movies whatever the model; the catalogue size
 * defaults to the distinct movies both tracks listed (a ratio of the two coverages is then exact).
 */
export function diversityFigures(
  baseline: readonly ServedList[],
  canary: readonly ServedList[],
  opts: { popularityOf: PopularityOf; catalogueSize?: number },
): DiversityFigures {
  const k = Math.min(baseline.length, canary.length);
  const b = evenSubsample(baseline, k);
  const c = evenSubsample(canary, k);
  const catalogueSize = opts.catalogueSize ?? new Set([...b, ...c].flatMap((l) => l.ids)).size;
  return {
    lists: { baseline: baseline.length, canary: canary.length },
    coverage: { baseline: coverage(b, catalogueSize), canary: coverage(c, catalogueSize), listsEach: k, catalogueSize },
    meanPopularity: { baseline: meanPopularity(baseline, opts.popularityOf), canary: meanPopularity(canary, opts.popularityOf) },
  };
}
