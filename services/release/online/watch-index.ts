// Watches indexed for the joins with served lists (pure): user → movie → ascending times, so a
// served list costs one binary search per listed movie instead of a scan of the stream.
//
// A watch START is a watched minute with no earlier minute of the same movie by the same user in
// the `resumeGapMs` before it. The stream has one line per minute watched, so the lines after the
// first of a session are the same decision continued; counting starts, not lines, keeps a long film
// from weighing more than a short one, and a film the user was already watching when the answer
// came is not credited to the answer. Starts are not "minute 0": viewers resume and seek, and a
// consumer that began mid-session never sees minute 0.
import type { Watch } from './types.ts';

export type WatchIndex = Map<number, Map<string, number[]>>;

export function indexWatches(watches: Iterable<Watch>): WatchIndex {
  const index: WatchIndex = new Map();
  for (const w of watches) {
    let movies = index.get(w.userId);
    if (!movies) index.set(w.userId, (movies = new Map()));
    const times = movies.get(w.movieId);
    if (times) times.push(w.at);
    else movies.set(w.movieId, [w.at]);
  }
  for (const movies of index.values()) {
    for (const times of movies.values()) {
      // The stream is nearly in time order: check before paying for a sort.
      if (!isAscending(times)) times.sort((a, b) => a - b);
    }
  }
  return index;
}

function isAscending(a: readonly number[]): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] < a[i - 1]) return false;
  return true;
}

/** First index i with sorted[i] >= t (sorted.length if none). */
export function lowerBound(sorted: ArrayLike<number>, t: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const isStart = (times: readonly number[], i: number, resumeGapMs: number): boolean => i === 0 || times[i] - times[i - 1] > resumeGapMs;

/** Whether some start in `times` falls in [from, to]. */
export function hasStartIn(times: readonly number[], from: number, to: number, resumeGapMs: number): boolean {
  for (let i = lowerBound(times, from); i < times.length && times[i] <= to; i++) {
    if (isStart(times, i, resumeGapMs)) return true;
  }
  return false;
}

/** Every start of the index, as watches. */
export function* watchStarts(index: WatchIndex, resumeGapMs: number): Generator<Watch> {
  for (const [userId, movies] of index) {
    for (const [movieId, times] of movies) {
      for (let i = 0; i < times.length; i++) if (isStart(times, i, resumeGapMs)) yield { userId, movieId, at: times[i] };
    }
  }
}
