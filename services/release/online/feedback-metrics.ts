// The feedback-loop figures as Prometheus gauges, label `version`: the latest window of each
// version (feedback-loop.ts). Whoever computes the figures (pipeline worker or release controller)
// calls update(); a version absent from the latest update is dropped, not left at a stale value.
import { Gauge, type Registry } from 'prom-client';
import type { FeedbackWindow } from './feedback-loop.ts';

export interface FeedbackMetrics {
  update(windows: readonly FeedbackWindow[]): void;
}

export function createFeedbackMetrics(registry: Registry): FeedbackMetrics {
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames: ['version'] as const, registers: [registry] });
  const share = gauge('marquee_feedback_watch_share', 'Share of watch starts that follow a recommendation of the movie by this version within T (latest window)');
  const gini = gauge('marquee_feedback_watch_gini', 'Gini coefficient of watch starts per movie among watches attributed to this version (latest window)');
  const watches = gauge('marquee_feedback_watches', 'Watch starts attributed to this version in the latest window');
  const followed = gauge('marquee_feedback_followed', 'Of those, starts of a movie this version had listed to the user within T (latest window)');
  const movies = gauge('marquee_feedback_movies', 'Distinct movies among the watch starts attributed to this version (latest window)');
  const windowStart = gauge('marquee_feedback_window_start_seconds', 'Unix time at which the latest window of this version starts');
  const all = [share, gini, watches, followed, movies, windowStart];
  return {
    update(windows) {
      const latest = new Map<string, FeedbackWindow>();
      for (const w of windows) {
        const seen = latest.get(w.version);
        if (!seen || w.windowStart > seen.windowStart) latest.set(w.version, w);
      }
      for (const g of all) g.reset();
      for (const [version, w] of latest) {
        share.set({ version }, w.share);
        gini.set({ version }, w.gini);
        watches.set({ version }, w.watches);
        followed.set({ version }, w.followed);
        movies.set({ version }, w.movies);
        windowStart.set({ version }, w.windowStart / 1000);
      }
    },
  };
}
