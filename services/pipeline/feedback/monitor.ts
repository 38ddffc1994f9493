// The feedback-loop monitor in the pipeline worker: watched minutes come from the lines ingest
// acknowledges (onLines), the lists served from `reccom` grouped by model version; each refresh
// recomputes share and Gini (release/online/feedback-loop.ts) into the gauges. A refresh that
// cannot read reccom keeps the last values and logs once until it can again: the monitor must
// never stop the worker.
import type { Logger } from '../../core/logger.ts';
import { feedbackLoop } from '../../release/online/feedback-loop.ts';
import type { FeedbackMetrics } from '../../release/online/feedback-metrics.ts';
import { eventsFromLogLines } from '../../release/online/log-events.ts';
import type { ServedList } from '../../release/online/types.ts';
import type { ParseOptions } from '../parse/types.ts';
import { createWatchWindow } from './watch-window.ts';

export interface FeedbackMonitorOptions {
  windowMs: number;
  bucketMs: number;
  maxWatches: number;
  /** Lists served in [from, to) epoch ms, grouped by version (readServedLists). */
  readServed(from: number, to: number): Promise<ServedList[]>;
  metrics: FeedbackMetrics;
  logger: Logger;
  parse?: ParseOptions;
  now?: () => number;
}

export interface FeedbackMonitor {
  onLines(lines: ReadonlyArray<string>): void;
  refresh(): Promise<void>;
  /** Refreshes every `intervalMs` on an unref'd timer (it never keeps the process alive); returns stop. */
  every(intervalMs: number): () => void;
}

export function createFeedbackMonitor(opts: FeedbackMonitorOptions): FeedbackMonitor {
  const now = opts.now ?? Date.now;
  const log = opts.logger;
  const window = createWatchWindow({ keepMs: opts.windowMs + opts.bucketMs, maxWatches: opts.maxWatches });
  let failing = false;
  let inFlight: Promise<void> | null = null;

  const compute = async () => {
    const t = now();
    window.prune(t);
    const watches = window.watches();
    let served: ServedList[] = [];
    if (watches.length) {
      let oldest = Infinity;
      for (const w of watches) oldest = Math.min(oldest, w.at);
      try {
        // T before the oldest watch: the lists it can follow.
        served = await opts.readServed(oldest - opts.windowMs, t + 1);
      } catch (err) {
        if (!failing) log.warn('feedback monitor: cannot read reccom; keeping the last figures', { error: (err as Error).message });
        failing = true;
        return;
      }
      if (failing) log.info('feedback monitor: reccom readable again');
      failing = false;
    }
    opts.metrics.update(feedbackLoop(served, watches, { windowMs: opts.windowMs, bucketMs: opts.bucketMs }));
  };

  const refresh = () => {
    // One refresh at a time: a slow reccom scan must not pile up.
    inFlight ??= compute()
      .catch((err: unknown) => log.error('feedback monitor: refresh failed', { error: (err as Error).message }))
      .finally(() => (inFlight = null));
    return inFlight;
  };

  return {
    onLines(lines) {
      try {
        // Served lists come from reccom (which knows the version); skip the request lines here.
        const { watches } = eventsFromLogLines(lines, { parse: opts.parse, groupOf: () => null });
        window.add(watches, now());
      } catch (err) {
        log.error('feedback monitor: could not read a batch', { error: (err as Error).message });
      }
    },
    refresh,
    every(intervalMs) {
      const timer = setInterval(() => void refresh(), intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
