// Watch-through per track for one analysis interval (pure). T is longer than most intervals, so an
// interval judges the answers whose T ENDED in it — served in (from − T, until − T] — and the
// answers still younger than T are pending (judged by a later interval). Consecutive intervals so
// judge each answer exactly once.
import type { ServedList, Watch } from '../online/types.ts';
import { watchThrough, watchThroughPair } from '../online/watch-through.ts';
import type { WatchIndex } from '../online/watch-index.ts';

export interface WatchThroughFigures {
  pair: { baseline: { events: number; total: number }; canary: { events: number; total: number } };
  /** Answers per track whose T was not over at `until`. */
  pending: { baseline: number; canary: number };
}

export function intervalWatchThrough(
  served: Iterable<ServedList>,
  watches: Iterable<Watch> | WatchIndex,
  o: { fromMs: number; until: number; windowMs: number; resumeGapMs?: number },
): WatchThroughFigures {
  const judgedHere = [...served].filter((s) => s.servedAt + o.windowMs > o.fromMs);
  const r = watchThrough(judgedHere, watches, { windowMs: o.windowMs, resumeGapMs: o.resumeGapMs, until: o.until });
  return {
    pair: watchThroughPair(r),
    pending: { baseline: r.get('baseline')?.pending ?? 0, canary: r.get('canary')?.pending ?? 0 },
  };
}
