import { describe, expect, it } from 'vitest';
import { analyzeInterval } from '../../analysis/index.ts';
import { createIntervalMeasurer, DEFAULT_SPECS, MEASURED_DECISION_CONFIG } from '../../measure/index.ts';
import { ofRelease } from '../../measure/measurer.ts';
import type { ServedList, Watch } from '../../online/types.ts';
import { fakePrometheus, fakeServed, fakeWatches, type FakeTrack } from './fake-sources.ts';

const MIN = 60_000;
const T = 10 * MIN;
const from = 1_700_000_000_000;
const to = from + 5 * MIN;
const interval = { fromMs: from, toMs: to, baselineVersion: 'v1', canaryVersion: 'v2' };

const baseline: FakeTrack = {
  // 20 junk /recommend/abc → 400 must not count as server failures, nor in their total.
  statuses: { '200': 1000, '400': 20, '500': 3 },
  buckets: [['0.01', 400], ['0.05', 900], ['+Inf', 1000]],
  okSumSec: 20,
  abandoned: 2,
};
const canary: FakeTrack = {
  statuses: { '200': 1000, '400': 25, '503': 1 },
  buckets: [['0.01', 200], ['0.05', 850], ['+Inf', 1000]],
  okSumSec: 25,
  abandoned: 0,
};

const list = (group: string, userId: number, servedAt: number, ids: string[]): ServedList => ({ group, userId, servedAt, ids });
const served: ServedList[] = [
  list('baseline', 6, from - T, ['x']), // its T ended at `from`: the previous interval judged it
  list('baseline', 1, from - 8 * MIN, ['a', 'b']), // watched 'a' → 1
  list('baseline', 2, from - 6 * MIN, ['c']), // nothing watched → 0
  list('canary', 3, from - 9 * MIN, ['d']), // watched 'd' → 1
  list('canary', 4, from - 7 * MIN, ['e']), // nothing → 0
  list('canary', 5, from + 1 * MIN, ['f']), // T ends after `to`: pending
  list('stable', 7, from - 8 * MIN, ['a']), // another track: not compared
];
const watches: Watch[] = [
  { userId: 1, movieId: 'a', at: from - 7 * MIN },
  { userId: 3, movieId: 'd', at: from - 8 * MIN },
  { userId: 6, movieId: 'x', at: from - 5 * MIN },
  { userId: 7, movieId: 'a', at: from - 7 * MIN },
  { userId: 5, movieId: 'f', at: from + 2 * MIN },
];

function measurer(tracks: Record<string, FakeTrack>, reachedMs = Infinity) {
  const prom = fakePrometheus(tracks);
  const servedSource = fakeServed(served);
  const watchSource = fakeWatches(watches, reachedMs);
  const m = createIntervalMeasurer({ prometheus: prom.client, served: servedSource, watches: watchSource, watchWindowMs: T });
  return { m, prom, servedSource, watchSource };
}

describe('IntervalMeasurer (fake Prometheus, reccom and Kafka)', () => {
  it('turns hand-made figures into exact MetricInputs', async () => {
    const { m } = measurer({ baseline, canary });
    const r = await m.measure(interval);
    expect(r.canaryRequests).toBe(1026);
    expect(r.baselineRequests).toBe(1023);
    expect(r.canaryAvgLatencyMs).toBeCloseTo(25, 12);
    expect(r.metrics[0]).toEqual({
      kind: 'latency',
      spec: { ...DEFAULT_SPECS.latency, name: 'latency', harmful: 'increase' },
      data: { histogram: { upperBounds: [0.01, 0.05, Infinity], baseline: [400, 500, 100], canary: [200, 650, 150] } },
    });
    // Server failures: 5xx + abandoned of the non-4xx requests: baseline 3 + 2 of 1003, canary 1 + 0 of 1001.
    expect(r.metrics[1]).toEqual({
      kind: 'proportion',
      spec: { ...DEFAULT_SPECS.serverFailures, name: 'server-failures', harmful: 'increase' },
      data: { baseline: { events: 5, total: 1003 }, canary: { events: 1, total: 1001 } },
    });
    expect(r.metrics[1].spec).toMatchObject({ minimalDetectableEffect: { kind: 'absolute', value: 0.01 } });
    // Watch-through of the answers whose T ended in the interval: baseline 1 of 2, canary 1 of 2.
    expect(r.metrics[2]).toEqual({
      kind: 'proportion',
      spec: { ...DEFAULT_SPECS.watchThrough, name: 'watch-through', harmful: 'decrease' },
      data: { baseline: { events: 1, total: 2 }, canary: { events: 1, total: 2 } },
    });
    expect(r.metrics[2].spec).toMatchObject({ minimalDetectableEffect: { kind: 'relative', value: 0.1 } });
    expect(r.details.watchThrough.pending).toEqual({ baseline: 0, canary: 1 });
    // Diversity over the interval's own lists: the baseline served none in it → nodata. Popularity
    // from the watches read: minutes a 2, d 1, x 1, f 1 → f's mid-rank percentile 100 · 1.5 / 4 = 37.5.
    expect(r.metrics.slice(3).map((x) => [x.kind, x.spec.name, x.data])).toEqual([
      ['bounded', 'catalogue-coverage', { baseline: { value: null, n: 0 }, canary: { value: null, n: 0 } }],
      ['bounded', 'recommended-popularity', { baseline: { value: null, n: 0 }, canary: { value: 37.5, n: 1 } }],
    ]);
    expect(r.details.versions).toEqual({ baseline: 'v1', canary: 'v2' });
    // Medians: baseline 0.01 + 0.04·100/500 = 0.018 s, canary 0.01 + 0.04·200/650 ≈ 0.0223 s (+24 %):
    // latency fails; the shares have too few observations to pass.
    expect(analyzeInterval(r, MEASURED_DECISION_CONFIG).verdicts.map((v) => v.verdict)).toEqual(['fail', 'inconclusive', 'inconclusive', 'nodata', 'nodata']);
  });

  it('asks Prometheus at the interval end over exactly the interval, and the sources for what T needs', async () => {
    const { m, prom, servedSource, watchSource } = measurer({ baseline, canary });
    await m.measure(interval);
    expect(prom.queries.every((q) => q.atSec === to / 1000)).toBe(true);
    expect(prom.queries.map((q) => q.promql)).toContain(
      'sum by (le) (increase(http_request_duration_seconds_bucket{track="canary",route="/recommend/:userId",status_code="200"}[300s]))',
    );
    expect(prom.queries.map((q) => q.promql)).toContain(
      'sum(increase(provenance_abandoned_total[300s]) * on(instance) group_left() max by (instance) (model_info{track="baseline"}))',
    );
    expect(servedSource.calls).toEqual([[from - T, to]]);
    // Resume gap (= T) before the oldest answer: a watch there decides whether a later minute is a start.
    expect(watchSource.calls).toEqual([[from - 2 * T, to]]);
  });

  it('client 4xx are excluded from server failures: 2 % junk does not move them', async () => {
    const junk = (t: FakeTrack, n: number): FakeTrack => ({ ...t, statuses: { ...t.statuses, '400': n } });
    const { m } = measurer({ baseline: junk(baseline, 0), canary: junk(canary, 5_000) });
    const r = await m.measure(interval);
    expect(r.metrics[1].data).toEqual({ baseline: { events: 5, total: 1003 }, canary: { events: 1, total: 1001 } });
    expect(r.canaryRequests).toBe(6001);
  });

  it('no canary traffic → canaryRequests 0, no mean latency, nodata (never pass)', async () => {
    const { m } = measurer({ baseline });
    const r = await m.measure(interval);
    expect(r).toMatchObject({ canaryRequests: 0, canaryAvgLatencyMs: null, baselineRequests: 1023 });
    expect(r.metrics[0].data).toEqual({ histogram: { upperBounds: [0.01, 0.05, Infinity], baseline: [400, 500, 100], canary: [0, 0, 0] } });
    expect(r.metrics[1].data).toEqual({ baseline: { events: 5, total: 1003 }, canary: { events: 0, total: 0 } });
    const a = analyzeInterval(r, MEASURED_DECISION_CONFIG);
    expect(a.verdicts.slice(0, 2).map((v) => v.verdict)).toEqual(['nodata', 'nodata']);
    expect(a.decision).toBe('inconclusive');
  });

  it('answers younger than T where the watches reach are pending, not counted as unwatched', async () => {
    // The stream is complete only up to from + 1 min: the baseline answer of from − 8 min (T ends
    // at from + 2 min) and those after it are left out.
    const { m } = measurer({ baseline, canary }, from + 1 * MIN);
    const r = await m.measure(interval);
    expect(r.details.watchThrough.until).toBe(from + MIN);
    expect(r.metrics[2].data).toEqual({ baseline: { events: 0, total: 0 }, canary: { events: 1, total: 1 } });
    expect(r.details.watchThrough.pending).toEqual({ baseline: 2, canary: 2 });
  });

  it("judges only the release's answers: the canary slot's earlier lists of the previous version are left out", async () => {
    // T reaches back before the canary was deployed, when the canary slot still served v1 (4 : 1).
    const old = (userId: number, at: number, movie: string): ServedList => ({ ...list('canary', userId, at, [movie]), version: 'v1' });
    const lists = [
      ...served.map((l) => ({ ...l, version: l.group === 'canary' ? 'v2' : 'v1' })),
      old(8, from - 9 * MIN, 'g'), // watched, but served by v1: not the canary's
      old(9, from - 8 * MIN, 'h'),
    ];
    const m = createIntervalMeasurer({
      prometheus: fakePrometheus({ baseline, canary }).client,
      served: fakeServed(lists),
      watches: fakeWatches([...watches, { userId: 8, movieId: 'g', at: from - 8 * MIN }]),
      watchWindowMs: T,
    });
    const r = await m.measure(interval);
    expect(r.metrics[2].data).toEqual({ baseline: { events: 1, total: 2 }, canary: { events: 1, total: 2 } });
    expect(ofRelease(lists, { baseline: 'v1', canary: 'v2' }).map((l) => l.userId)).toEqual([6, 1, 2, 3, 4, 5, 7]);
  });

  it('an invalid interval is refused', async () => {
    const { m } = measurer({ baseline, canary });
    await expect(m.measure({ ...interval, toMs: from })).rejects.toThrow(RangeError);
  });
});
