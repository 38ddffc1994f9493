// The feedback-loop windows back from Prometheus, for the release report: the pipeline worker
// exports the latest window of each version as gauges (feedback-metrics.ts), so a range query over
// the release's time holds every window it computed meanwhile. Each window is identified by its
// version and start; its figures are those of the last sample that still showed it (a window's
// counts grow until the next one starts).
import type { PrometheusClient, RangeSeries } from '../prometheus-client.ts';
import type { FeedbackWindow } from './feedback-loop.ts';

/** The gauges read, by FeedbackWindow field. */
export const FEEDBACK_SERIES = {
  windowStart: 'marquee_feedback_window_start_seconds',
  share: 'marquee_feedback_watch_share',
  gini: 'marquee_feedback_watch_gini',
  watches: 'marquee_feedback_watches',
  followed: 'marquee_feedback_followed',
  movies: 'marquee_feedback_movies',
} as const;

type Field = keyof typeof FEEDBACK_SERIES;

/** Pure: range series per gauge (label `version`) → one FeedbackWindow per version and window start. */
export function feedbackWindowsOf(series: Record<Field, RangeSeries[]>): FeedbackWindow[] {
  // version → sample time → value, per field
  const byField = {} as Record<Field, Map<string, Map<number, number>>>;
  for (const field of Object.keys(FEEDBACK_SERIES) as Field[]) {
    const m = new Map<string, Map<number, number>>();
    for (const s of series[field]) {
      const version = s.metric.version;
      if (version) m.set(version, new Map([...(m.get(version) ?? []), ...s.points]));
    }
    byField[field] = m;
  }
  const windows = new Map<string, FeedbackWindow>();
  for (const [version, starts] of byField.windowStart) {
    for (const [t, startSec] of [...starts].sort((a, b) => a[0] - b[0])) {
      const at = (f: Field) => byField[f].get(version)?.get(t);
      const [share, gini, watches, followed, movies] = (['share', 'gini', 'watches', 'followed', 'movies'] as const).map(at);
      if (watches === undefined || share === undefined || gini === undefined) continue;
      const windowStart = Math.round(startSec * 1000);
      // Later samples of the same window overwrite earlier ones.
      windows.set(`${version}\n${windowStart}`, {
        version,
        windowStart,
        watches,
        followed: followed ?? Math.round(share * watches),
        share,
        gini,
        movies: movies ?? Number.NaN,
      });
    }
  }
  return [...windows.values()].sort((a, b) => a.windowStart - b.windowStart || a.version.localeCompare(b.version));
}

/** Reads the windows the worker exported between `fromMs` and `toMs` (one sample per `stepSec`). */
export async function readFeedbackWindows(client: PrometheusClient, fromMs: number, toMs: number, stepSec = 60): Promise<FeedbackWindow[]> {
  const fields = Object.keys(FEEDBACK_SERIES) as Field[];
  const results = await Promise.all(fields.map((f) => client.queryRange(FEEDBACK_SERIES[f], fromMs / 1000, toMs / 1000, stepSec)));
  return feedbackWindowsOf(Object.fromEntries(fields.map((f, i) => [f, results[i]])) as Record<Field, RangeSeries[]>);
}
