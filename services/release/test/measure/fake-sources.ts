// Test doubles for the measurer: a Prometheus that evaluates the measurer's queries over per-track
// status counts (so a filter on status_code is really exercised), and fixed served lists and watches.
import type { ServedList, Watch } from '../../online/types.ts';
import type { InstantSample, PrometheusClient } from '../../prometheus-client.ts';
import type { ServedSource, WatchSource } from '../../measure/sources.ts';

export interface FakeTrack {
  /** /recommend requests per status code over the interval. */
  statuses: Record<string, number>;
  /** Cumulative counts of the 200s per `le`. */
  buckets?: Array<[string, number]>;
  /** Sum of the 200s' latencies, seconds. */
  okSumSec?: number;
  abandoned?: number;
}

export function fakePrometheus(tracks: Record<string, FakeTrack>) {
  const queries: Array<{ promql: string; atSec: number }> = [];
  const client: PrometheusClient = {
    async query(promql, atSec) {
      queries.push({ promql, atSec });
      const track = /track="(\w+)"/.exec(promql)?.[1] ?? '';
      const t = tracks[track];
      if (!t) return [];
      const one = (value: number): InstantSample[] => [{ metric: {}, value }];
      if (promql.includes('provenance_abandoned_total')) return t.abandoned === undefined ? [] : one(t.abandoned);
      if (promql.includes('_bucket')) return (t.buckets ?? []).map(([le, value]) => ({ metric: { le }, value }));
      const ok = t.statuses['200'] ?? 0;
      if (promql.includes('_sum')) return ok > 0 ? one((t.okSumSec ?? 0) / ok) : [];
      const match = promql.includes('status_code=~"5.."')
        ? (s: string) => s.startsWith('5')
        : promql.includes('status_code!~"4.."')
          ? (s: string) => !s.startsWith('4')
          : () => true;
      const matching = Object.entries(t.statuses).filter(([s]) => match(s));
      return matching.length ? one(matching.reduce((a, [, n]) => a + n, 0)) : [];
    },
    async queryRange() {
      return [];
    },
  };
  return { client, queries };
}

export function fakeServed(lists: ServedList[]): ServedSource & { calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    async read(from, to) {
      calls.push([from, to]);
      return lists.filter((l) => l.servedAt >= from && l.servedAt < to);
    },
  };
}

export function fakeWatches(watches: Watch[], reachedMs = Infinity): WatchSource & { calls: Array<[number, number]> } {
  const calls: Array<[number, number]> = [];
  return {
    calls,
    async read(from, to) {
      calls.push([from, to]);
      return { watches: watches.filter((w) => w.at >= from && w.at <= to), until: Math.min(to, reachedMs) };
    },
  };
}
