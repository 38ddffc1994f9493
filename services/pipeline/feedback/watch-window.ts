// The worker's rolling window of watched minutes for the feedback-loop monitor (pure): only the
// last `keepMs` (T + one bucket: the latest bucket and the T before it that its watches are joined
// against), and never more than `maxWatches` (bounded memory whatever the stream's rate; ~100 bytes
// a watch, so the default 500,000 is ~50 MB). Past the bound the oldest arrivals go first.
import type { Watch } from '../../release/online/types.ts';

export interface WatchWindow {
  /** Adds watches, dropping those already older than the window at `now` (a replayed backlog). */
  add(watches: readonly Watch[], now: number): void;
  /** Drops the watches older than the window at `now`. */
  prune(now: number): void;
  watches(): readonly Watch[];
  readonly size: number;
}

export function createWatchWindow(opts: { keepMs: number; maxWatches: number }): WatchWindow {
  if (!(opts.keepMs > 0) || !(opts.maxWatches >= 1)) throw new RangeError('keepMs must be > 0 and maxWatches >= 1');
  let items: Watch[] = [];
  const cutoff = (now: number) => now - opts.keepMs;
  return {
    add(watches, now) {
      const from = cutoff(now);
      for (const w of watches) if (w.at >= from) items.push(w);
      if (items.length > opts.maxWatches) items.splice(0, items.length - opts.maxWatches);
    },
    prune(now) {
      const from = cutoff(now);
      // The stream is nearly in time order, so usually nothing or a prefix goes; filter copes with stragglers.
      if (items.some((w) => w.at < from)) items = items.filter((w) => w.at >= from);
    },
    watches: () => items,
    get size() {
      return items.length;
    },
  };
}
