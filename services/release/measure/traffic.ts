// One track's traffic over an analysis interval, from Prometheus: latency buckets, request counts,
// server failures (5xx + answers NGINX abandoned) and the mean latency of successful answers.
import { single } from '../canary-metrics.ts';
import type { InstantSample, PrometheusClient } from '../prometheus-client.ts';
import {
  abandonedQuery,
  avgLatencyQuery,
  latencyBucketsQuery,
  requestsQuery,
  serverErrorsQuery,
  servableRequestsQuery,
  type MeasuredTrack,
} from '../promql.ts';

export interface TrackTraffic {
  /** Cumulative `le` buckets of successful /recommend latencies (sum by le). */
  buckets: InstantSample[];
  /** Every /recommend request, 4xx included (is the track getting traffic at all?). */
  requests: number;
  /** Requests but the client's 4xx: what a server failure is a share of. */
  servable: number;
  /** 5xx answers. */
  serverErrors: number;
  /** Answers written after NGINX had timed out on them. */
  abandoned: number;
  /** Mean latency of successful answers (ms); null without any. */
  avgLatencyMs: number | null;
}

/** The queries of one track, keyed as in TrackTraffic (tests and reports show the exact text). */
export function trafficQueries(track: MeasuredTrack, windowMs: number) {
  return {
    buckets: latencyBucketsQuery(track, windowMs),
    requests: requestsQuery(track, windowMs),
    servable: servableRequestsQuery(track, windowMs),
    serverErrors: serverErrorsQuery(track, windowMs),
    abandoned: abandonedQuery(track, windowMs),
    avgLatency: avgLatencyQuery(track, windowMs),
  };
}

export async function readTraffic(client: PrometheusClient, track: MeasuredTrack, fromMs: number, toMs: number): Promise<TrackTraffic> {
  const q = trafficQueries(track, toMs - fromMs);
  const at = toMs / 1000;
  const [buckets, requests, servable, serverErrors, abandoned, avg] = await Promise.all([
    client.query(q.buckets, at),
    client.query(q.requests, at),
    client.query(q.servable, at),
    client.query(q.serverErrors, at),
    client.query(q.abandoned, at),
    client.query(q.avgLatency, at),
  ]);
  // An absent series is zero events (a track that never answered 5xx has no 5xx series).
  const avgSec = single(avg);
  return {
    buckets,
    requests: single(requests) ?? 0,
    servable: single(servable) ?? 0,
    serverErrors: single(serverErrors) ?? 0,
    abandoned: single(abandoned) ?? 0,
    avgLatencyMs: avgSec === null ? null : avgSec * 1000,
  };
}
