// The release controller's IntervalMeasurer: per analysis interval, baseline against canary, from
// Prometheus (latency, server failures, request counts, mean latency), the served lists (reccom)
// and the watch stream (Kafka). The figures become MetricInputs in metric-inputs.ts.
import { DEFAULT_WINDOW_MS, type ServedList } from '../online/types.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import { histogramPair } from './buckets.ts';
import { diversityFigures, popularityFromCounts, watchCounts, type DiversityFigures, type PopularityOf } from './diversity.ts';
import { metricInputs, type MetricSpecs } from './metric-inputs.ts';
import { intervalWatchThrough, type WatchThroughFigures } from './online.ts';
import type { ServedSource, WatchSource } from './sources.ts';
import { readTraffic, type TrackTraffic } from './traffic.ts';
import type { IntervalMeasurement, IntervalMeasurer } from './types.ts';

export interface MeasurerOptions {
  prometheus: PrometheusClient;
  served: ServedSource;
  watches: WatchSource;
  /** Watch-through's T (default 30 minutes); shorter in local runs whose intervals are short. */
  watchWindowMs?: number;
  /** A pause longer than this makes the next watched minute a new start (default T). */
  resumeGapMs?: number;
  /** Popularity percentiles of movies; default from the watches read for the interval. */
  popularityOf?: PopularityOf;
  /** Movies that could be recommended; default the distinct movies both tracks listed. */
  catalogueSize?: number;
  specs?: MetricSpecs;
}

/** What was measured besides the judge's inputs, for the report and the logs. */
export interface MeasurementDetails {
  traffic: { baseline: TrackTraffic; canary: TrackTraffic };
  watchThrough: WatchThroughFigures & { until: number; windowMs: number; watches: number };
  diversity: DiversityFigures;
  versions: { baseline: string; canary: string };
}

export type DetailedMeasurement = IntervalMeasurement & { details: MeasurementDetails };

/** An IntervalMeasurer whose measurements carry their details. */
export interface DetailedMeasurer extends IntervalMeasurer {
  measure(o: Parameters<IntervalMeasurer['measure']>[0]): Promise<DetailedMeasurement>;
}

const byGroup = (lists: readonly ServedList[], group: string) => lists.filter((l) => l.group === group);

/**
 * Only the release's own answers: T reaches back before the canary (and the baseline) started, when
 * the canary slot still served the previous version (production's 4 : 1 canary). Counting those
 * would judge the first intervals of a release on the old model's answers, so a bad canary could
 * pass on them. Lists of a source that does not know the version are kept.
 */
export function ofRelease(lists: readonly ServedList[], versions: { baseline: string; canary: string }): ServedList[] {
  return lists.filter((l) => {
    const expected = l.group === 'canary' ? versions.canary : l.group === 'baseline' ? versions.baseline : undefined;
    return expected === undefined || l.version === undefined || l.version === expected;
  });
}

export function createIntervalMeasurer(o: MeasurerOptions): DetailedMeasurer {
  const windowMs = o.watchWindowMs ?? DEFAULT_WINDOW_MS;
  const resumeGapMs = o.resumeGapMs ?? windowMs;
  if (!(windowMs > 0) || !(resumeGapMs >= 0)) throw new RangeError(`watchWindowMs must be > 0 and resumeGapMs >= 0, got ${windowMs}, ${resumeGapMs}`);

  return {
    async measure({ fromMs, toMs, baselineVersion, canaryVersion }) {
      if (!(Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs)) throw new RangeError(`invalid interval ${fromMs}..${toMs}`);
      // Answers whose T ends in this interval were served up to T before it; their watches may be
      // starts only if nothing of the movie was watched in the resume gap before.
      const servedFrom = fromMs - windowMs;
      const [baseline, canary, served, read] = await Promise.all([
        readTraffic(o.prometheus, 'baseline', fromMs, toMs),
        readTraffic(o.prometheus, 'canary', fromMs, toMs),
        o.served.read(servedFrom, toMs).then((lists) => ofRelease(lists, { baseline: baselineVersion, canary: canaryVersion })),
        o.watches.read(servedFrom - resumeGapMs, toMs),
      ]);
      const until = Math.min(toMs, read.until);
      const wt = intervalWatchThrough(served, read.watches, { fromMs, until, windowMs, resumeGapMs });
      // Diversity needs no maturity: the lists of the interval itself.
      const inInterval = served.filter((l) => l.servedAt >= fromMs);
      const diversity = diversityFigures(byGroup(inInterval, 'baseline'), byGroup(inInterval, 'canary'), {
        popularityOf: o.popularityOf ?? popularityFromCounts(watchCounts(read.watches)),
        catalogueSize: o.catalogueSize,
      });
      const failures = (t: TrackTraffic) => {
        const total = t.servable;
        // increase() extrapolates each series on its own: keep events within the total.
        return { events: Math.min(total, t.serverErrors + t.abandoned), total };
      };
      const metrics = metricInputs(
        {
          latency: histogramPair(baseline.buckets, canary.buckets),
          serverFailures: { baseline: failures(baseline), canary: failures(canary) },
          watchThrough: wt.pair,
          diversity,
        },
        o.specs,
      );
      return {
        metrics,
        canaryAvgLatencyMs: canary.avgLatencyMs,
        canaryRequests: canary.requests,
        baselineRequests: baseline.requests,
        details: {
          traffic: { baseline, canary },
          watchThrough: { ...wt, until, windowMs, watches: read.watches.length },
          diversity,
          versions: { baseline: baselineVersion, canary: canaryVersion },
        },
      };
    },
  };
}
