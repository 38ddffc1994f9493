// What the judge and the report need, read from Prometheus: per-track summaries over the
// observation window and latency over time for the chart.
import type { Points, TrackSummary } from './judge.ts';
import type { PrometheusClient } from './prometheus-client.ts';
import { avgLatencyQuery, errorsQuery, latencySeriesQuery, requestsQuery, type Track } from './promql.ts';

export interface Measurements {
  windowStartSec: number;
  windowEndSec: number;
  canary: TrackSummary;
  stable: TrackSummary;
  series: { canary: Points; stable: Points };
}

/** First sample of a vector as a finite number; empty or NaN (0/0) is "no data". */
export function single(samples: Array<{ value: number }>): number | null {
  const v = samples[0]?.value;
  return v === undefined || Number.isNaN(v) ? null : v;
}

export async function measureTrack(
  client: PrometheusClient,
  track: Track,
  endSec: number,
  windowMs: number,
): Promise<TrackSummary> {
  const [avg, requests, errors] = await Promise.all([
    client.query(avgLatencyQuery(track, windowMs), endSec),
    client.query(requestsQuery(track, windowMs), endSec),
    client.query(errorsQuery(track, windowMs), endSec),
  ]);
  const n = single(requests) ?? 0;
  const avgSec = single(avg);
  return {
    avgLatencyMs: avgSec === null ? null : avgSec * 1000,
    // No error series at all means no errors; no requests at all means the rate is unknown.
    errorRate: n > 0 ? Math.min(1, (single(errors) ?? 0) / n) : null,
    requests: n,
  };
}

/** Step and rate window for a chart of about 120 points, never finer than the scrape interval allows. */
export function seriesResolution(windowMs: number, scrapeIntervalMs: number): { stepSec: number; rateWindowMs: number } {
  const stepSec = Math.max(1, Math.round(windowMs / 120 / 1000));
  return { stepSec, rateWindowMs: Math.max(4 * stepSec * 1000, 4 * scrapeIntervalMs) };
}

export async function latencySeries(
  client: PrometheusClient,
  track: Track,
  startSec: number,
  endSec: number,
  windowMs: number,
  scrapeIntervalMs: number,
): Promise<Points> {
  const { stepSec, rateWindowMs } = seriesResolution(windowMs, scrapeIntervalMs);
  const series = await client.queryRange(latencySeriesQuery(track, rateWindowMs), startSec, endSec, stepSec);
  return (series[0]?.points ?? [])
    .filter(([, v]) => Number.isFinite(v))
    .map(([t, v]) => [t, v * 1000] as [number, number]);
}

export async function measureWindow(
  client: PrometheusClient,
  endSec: number,
  windowMs: number,
  scrapeIntervalMs: number,
): Promise<Measurements> {
  const startSec = endSec - Math.round(windowMs / 1000);
  const [canary, stable, canarySeries, stableSeries] = await Promise.all([
    measureTrack(client, 'canary', endSec, windowMs),
    measureTrack(client, 'stable', endSec, windowMs),
    latencySeries(client, 'canary', startSec, endSec, windowMs, scrapeIntervalMs),
    latencySeries(client, 'stable', startSec, endSec, windowMs, scrapeIntervalMs),
  ]);
  return { windowStartSec: startSec, windowEndSec: endSec, canary, stable, series: { canary: canarySeries, stable: stableSeries } };
}
