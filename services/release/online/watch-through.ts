// Watch-through per track or model version (pure): of the answers a group served, the share after
// which the user STARTED watching one of the listed movies within T (default 30 minutes).
// "Started" is defined in watch-index.ts: a first minute after a pause longer than the resume gap
// (default T), so a film already under way when the answer came does not count.
//
// Every answer is judged on its own: two answers to one user that both list the film watched
// both count. The window opens at the answer's whole second, because log lines carry whole
// seconds: a watch logged in the same second as the answer may have come after it.
import { DEFAULT_WINDOW_MS, type ServedList, type Watch } from './types.ts';
import { hasStartIn, indexWatches, type WatchIndex } from './watch-index.ts';

export interface WatchThroughOptions {
  /** T: how long after an answer a start counts (default 30 minutes). */
  windowMs?: number;
  /** A pause longer than this makes the next minute a new start (default T). */
  resumeGapMs?: number;
  /**
   * How far the watches reach (epoch ms): an answer whose T is not over by then is left out and
   * counted as pending, as its watches may still come (counting it would bias a young window down).
   */
  until?: number;
}

export interface WatchThrough {
  responses: number;
  /** Answers after which the user started one of the listed movies within T. */
  watched: number;
  /** watched / responses; NaN with no responses (no data is not zero). */
  proportion: number;
  /** Answers left out because their window ends after `until`. */
  pending: number;
}

export function watchThrough(
  served: Iterable<ServedList>,
  watches: Iterable<Watch> | WatchIndex,
  opts: WatchThroughOptions = {},
): Map<string, WatchThrough> {
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const resumeGapMs = opts.resumeGapMs ?? windowMs;
  if (!(windowMs > 0) || !(resumeGapMs >= 0)) throw new RangeError(`windowMs must be > 0 and resumeGapMs >= 0, got ${windowMs}, ${resumeGapMs}`);
  const index = watches instanceof Map ? watches : indexWatches(watches);
  const out = new Map<string, WatchThrough>();
  for (const s of served) {
    let g = out.get(s.group);
    if (!g) out.set(s.group, (g = { responses: 0, watched: 0, proportion: NaN, pending: 0 }));
    if (opts.until !== undefined && s.servedAt + windowMs > opts.until) {
      g.pending++;
      continue;
    }
    g.responses++;
    if (followed(index, s, windowMs, resumeGapMs)) g.watched++;
  }
  for (const g of out.values()) g.proportion = g.watched / g.responses;
  return out;
}

/** Whether the user of `s` started one of its movies within the window after it. */
export function followed(index: WatchIndex, s: ServedList, windowMs: number, resumeGapMs: number): boolean {
  const movies = index.get(s.userId);
  if (!movies) return false;
  const from = wholeSecond(s.servedAt);
  const to = s.servedAt + windowMs;
  for (const id of s.ids) {
    const times = movies.get(id);
    if (times && hasStartIn(times, from, to, resumeGapMs)) return true;
  }
  return false;
}

export const wholeSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/** The judge's input (analysis/proportions.ts): watch-throughs among answers, canary vs baseline; a group without answers is 0 of 0. */
export function watchThroughPair(r: Map<string, WatchThrough>, baseline = 'baseline', canary = 'canary'): Record<'baseline' | 'canary', { events: number; total: number }> {
  const counts = (group: string) => ({ events: r.get(group)?.watched ?? 0, total: r.get(group)?.responses ?? 0 });
  return { baseline: counts(baseline), canary: counts(canary) };
}
