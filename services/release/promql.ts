// The PromQL the controller asks, built in one place so tests and the report show the exact text.
// Metric names and labels are the inference service's contract (docs/architecture.md).
import type { Track } from '../core/tracks.ts';
import { promDuration } from './duration.ts';

export type { Track } from '../core/tracks.ts';
/** A track the release measures: the replicas' TRACK label, with the release's fresh baseline. */
export type MeasuredTrack = Track | 'baseline';
export const RECOMMEND_ROUTE = '/recommend/:userId';
const HIST = 'http_request_duration_seconds';

function sel(metric: string, track: MeasuredTrack, extra = ''): string {
  return `${HIST}_${metric}{track="${track}",route="${RECOMMEND_ROUTE}"${extra}}`;
}

/** Mean latency (seconds) of successful /recommend requests: `fn` over `rangeMs` of the sum, over that of the count. */
function meanLatency(fn: 'increase' | 'rate', track: MeasuredTrack, rangeMs: number): string {
  const r = promDuration(rangeMs);
  return `sum(${fn}(${sel('sum', track, ',status_code="200"')}[${r}])) / sum(${fn}(${sel('count', track, ',status_code="200"')}[${r}]))`;
}

/** The latency threshold's query: mean latency (seconds) of successful /recommend requests over the window. */
export function avgLatencyQuery(track: MeasuredTrack, windowMs: number): string {
  return meanLatency('increase', track, windowMs);
}

/** All /recommend requests over the window. */
export function requestsQuery(track: MeasuredTrack, windowMs: number): string {
  return `sum(increase(${sel('count', track)}[${promDuration(windowMs)}]))`;
}

/**
 * Server failures (5xx) of /recommend over the window (empty result = none). A client's 4xx is the
 * same on every replica (junk such as /recommend/abc) and says nothing about the canary.
 */
export function errorsQuery(track: Track, windowMs: number): string {
  return `sum(increase(${sel('count', track, ',status_code=~"5.."')}[${promDuration(windowMs)}]))`;
}

/** Mean latency (seconds) of successful requests per `rateWindowMs`, for query_range charts. */
export function latencySeriesQuery(track: Track, rateWindowMs: number): string {
  return meanLatency('rate', track, rateWindowMs);
}

// Per analysis interval (measure/): evaluated at the interval's end with the interval as the range.

/** Cumulative `le` buckets of successful /recommend latencies over the window, one sample per `le`. */
export function latencyBucketsQuery(track: MeasuredTrack, windowMs: number): string {
  return `sum by (le) (increase(${sel('bucket', track, ',status_code="200"')}[${promDuration(windowMs)}]))`;
}

/** Server failures the replica answered itself: 5xx only (a 400 for /recommend/abc is the caller's fault). */
export function serverErrorsQuery(track: MeasuredTrack, windowMs: number): string {
  return `sum(increase(${sel('count', track, ',status_code=~"5.."')}[${promDuration(windowMs)}]))`;
}

/** The requests a server failure is a share of: every /recommend request but the client's 4xx. */
export function servableRequestsQuery(track: MeasuredTrack, windowMs: number): string {
  return `sum(increase(${sel('count', track, ',status_code!~"4.."')}[${promDuration(windowMs)}]))`;
}

/**
 * Answers NGINX had given up on (its read timeout: it retried elsewhere or answered 504), counted
 * by the replica that wrote them too late (provenance_abandoned_total; the histogram has them as
 * slow 200s). The counter has no track label, so it takes the track of model_info on the same
 * instance.
 */
export function abandonedQuery(track: MeasuredTrack, windowMs: number): string {
  return (
    `sum(increase(provenance_abandoned_total[${promDuration(windowMs)}]) ` +
    `* on(instance) group_left() max by (instance) (model_info{track="${track}"}))`
  );
}
