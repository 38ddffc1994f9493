// The feedback-loop monitor (pure), per model version and time window:
//   share — of the watch starts (watch-index.ts) of users the version served, those of a movie the
//           version listed to that user within T before: how much of what people watch the
//           recommender itself caused;
//   gini  — the Gini coefficient of watch starts per movie: 0 when every movie is watched as often,
//           (n-1)/n when one of n movies takes them all. A recommender that feeds on its own
//           clicks pushes both up over time (popular movies get recommended, hence watched, …).
// A watch is the version's when a list of that version named the movie within T before it,
// otherwise it belongs to the version that last answered the user (a user may see several
// versions while a release runs); watches of users never served are left out.
import { DEFAULT_WINDOW_MS, type ServedList, type Watch } from './types.ts';
import { indexWatches, type WatchIndex, watchStarts } from './watch-index.ts';
import { wholeSecond } from './watch-through.ts';

export interface FeedbackOptions {
  /** T (default 30 minutes). */
  windowMs?: number;
  /** A pause longer than this makes the next minute a new start (default T). */
  resumeGapMs?: number;
  /** Width of the time windows the figures are given for (default 1 hour). */
  bucketMs?: number;
  /** Every movie that could be watched: unwatched ones count as zeros in the Gini coefficient. */
  catalogue?: Iterable<string>;
}

export interface FeedbackWindow {
  version: string;
  /** Epoch ms at which the window starts (a multiple of bucketMs). */
  windowStart: number;
  /** Watch starts attributed to the version in this window. */
  watches: number;
  /** Of those, starts of a movie the version had listed to the user within T. */
  followed: number;
  /** followed / watches (NaN with no watches). */
  share: number;
  gini: number;
  /** Distinct movies watched. */
  movies: number;
}

export function feedbackLoop(served: Iterable<ServedList>, watches: Iterable<Watch> | WatchIndex, opts: FeedbackOptions = {}): FeedbackWindow[] {
  const windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  const resumeGapMs = opts.resumeGapMs ?? windowMs;
  const bucketMs = opts.bucketMs ?? 60 * 60_000;
  if (!(windowMs > 0) || !(resumeGapMs >= 0) || !(bucketMs > 0)) throw new RangeError('windowMs and bucketMs must be > 0, resumeGapMs >= 0');
  const byUser = servedByUser(served);
  const index = watches instanceof Map ? watches : indexWatches(watches);
  const cells = new Map<string, { version: string; windowStart: number; watches: number; followed: number; counts: Map<string, number> }>();
  for (const w of watchStarts(index, resumeGapMs)) {
    const who = attribute(byUser.get(w.userId), w, windowMs);
    if (!who) continue;
    const windowStart = Math.floor(w.at / bucketMs) * bucketMs;
    const key = `${who.version}\u0000${windowStart}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { version: who.version, windowStart, watches: 0, followed: 0, counts: new Map() }));
    c.watches++;
    if (who.followed) c.followed++;
    c.counts.set(w.movieId, (c.counts.get(w.movieId) ?? 0) + 1);
  }
  const catalogue = opts.catalogue ? new Set(opts.catalogue) : undefined;
  return [...cells.values()]
    .map((c) => ({
      version: c.version,
      windowStart: c.windowStart,
      watches: c.watches,
      followed: c.followed,
      share: c.followed / c.watches,
      gini: gini(withZeros(c.counts, catalogue)),
      movies: c.counts.size,
    }))
    .sort((a, b) => a.windowStart - b.windowStart || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0));
}

function servedByUser(served: Iterable<ServedList>): Map<number, ServedList[]> {
  const byUser = new Map<number, ServedList[]>();
  for (const s of served) {
    const list = byUser.get(s.userId);
    if (list) list.push(s);
    else byUser.set(s.userId, [s]);
  }
  for (const list of byUser.values()) list.sort((a, b) => a.servedAt - b.servedAt);
  return byUser;
}

/** The version a watch start belongs to, and whether one of its lists named the movie within T. */
function attribute(lists: ServedList[] | undefined, w: Watch, windowMs: number): { version: string; followed: boolean } | null {
  if (!lists) return null;
  // The last answer at or before the watch (answers compared at their whole second, as log lines).
  let lo = 0;
  let hi = lists.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (wholeSecond(lists[mid].servedAt) <= w.at) lo = mid + 1;
    else hi = mid;
  }
  const last = lo - 1;
  if (last < 0) return null;
  for (let k = last; k >= 0 && w.at - lists[k].servedAt <= windowMs; k--) {
    if (lists[k].ids.includes(w.movieId)) return { version: lists[k].group, followed: true };
  }
  return { version: lists[last].group, followed: false };
}

function withZeros(counts: Map<string, number>, catalogue: Set<string> | undefined): number[] {
  const values = [...counts.values()];
  if (catalogue) for (const id of catalogue) if (!counts.has(id)) values.push(0);
  return values;
}

/** Gini coefficient of non-negative counts: 0 all equal, (n-1)/n one takes all; 0 for no data. */
export function gini(counts: readonly number[]): number {
  const n = counts.length;
  const sorted = Float64Array.from(counts).sort();
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    if (sorted[i] < 0) throw new RangeError('counts must be non-negative');
    sum += sorted[i];
    weighted += (i + 1) * sorted[i];
  }
  if (n === 0 || sum === 0) return 0;
  return (2 * weighted) / (n * sum) - (n + 1) / n;
}
