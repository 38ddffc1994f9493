// The PromQL the controller asks, built in one place so tests and the report show the exact text.
// Metric names and labels are the inference service's contract (docs/architecture.md).
import type { Track } from '../core/tracks.ts';
import { promDuration } from './duration.ts';

export type { Track } from '../core/tracks.ts';
export const RECOMMEND_ROUTE = '/recommend/:userId';
const HIST = 'http_request_duration_seconds';

function sel(metric: string, track: Track, extra = ''): string {
  return `${HIST}_${metric}{track="${track}",route="${RECOMMEND_ROUTE}"${extra}}`;
}

/** The latency threshold's query: mean latency (seconds) of successful /recommend requests over the window. */
export function avgLatencyQuery(track: Track, windowMs: number): string {
  const w = promDuration(windowMs);
  return (
    `sum(increase(${sel('sum', track, ',status_code="200"')}[${w}])) / ` +
    `sum(increase(${sel('count', track, ',status_code="200"')}[${w}]))`
  );
}

/** All /recommend requests over the window. */
export function requestsQuery(track: Track, windowMs: number): string {
  return `sum(increase(${sel('count', track)}[${promDuration(windowMs)}]))`;
}

/** Non-2xx /recommend requests over the window (empty result = none). */
export function errorsQuery(track: Track, windowMs: number): string {
  return `sum(increase(${sel('count', track, ',status_code!~"2.."')}[${promDuration(windowMs)}]))`;
}

/** Mean latency (seconds) of successful requests per `rateWindowMs`, for query_range charts. */
export function latencySeriesQuery(track: Track, rateWindowMs: number): string {
  const r = promDuration(rateWindowMs);
  return (
    `sum(rate(${sel('sum', track, ',status_code="200"')}[${r}])) / ` +
    `sum(rate(${sel('count', track, ',status_code="200"')}[${r}]))`
  );
}
