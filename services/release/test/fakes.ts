// Test doubles for the controller: an orchestrator that records calls, a Prometheus that answers
// the controller's queries from per-track figures, a clock that jumps instead of sleeping.
import type { Notification } from '../../core/notify/index.ts';
import type { Clock } from '../controller.ts';
import type { Orchestrator } from '../orchestrator.ts';
import type { PrometheusClient } from '../prometheus-client.ts';
import type { TrackWeights } from '../rollout.ts';

export function fakeOrchestrator(stable = 'v1', canary = stable) {
  const calls: string[] = [];
  const failNext: string[] = [];
  const state: { stable: string; canary: string | null; baseline?: string | null; weights?: TrackWeights } = { stable, canary };
  const reads = { current: 0 };
  const act = (name: string, version: string, apply: () => void) => {
    calls.push(`${name} ${version}`);
    const i = failNext.indexOf(name);
    if (i !== -1) {
      failNext.splice(i, 1);
      return Promise.reject(new Error(`${name} broke`));
    }
    apply();
    return Promise.resolve();
  };
  const o: Orchestrator = {
    deployCanary: (v) => act('deployCanary', v, () => (state.canary = v)),
    promote: (v) => act('promote', v, () => Object.assign(state, { stable: v, canary: v })),
    rollbackCanary: (v) => act('rollbackCanary', v, () => (state.canary = v)),
    deployBaseline: (v) => act('deployBaseline', v, () => (state.baseline = v)),
    setWeights: (w) => act('setWeights', `${w.stable}/${w.baseline}/${w.canary}`, () => (state.weights = w)),
    removeTrial: () => act('removeTrial', '', () => Object.assign(state, { canary: null, baseline: null })),
    current: async () => {
      reads.current++;
      return { ...state };
    },
  };
  return { o, calls, failNext, state, reads };
}

export interface TrackFigures {
  /** Mean latency of successful requests, seconds; null = no data (Prometheus returns nothing). */
  avgSec: number | null;
  requests: number;
  errors: number;
}

export function fakePrometheus(figures: { canary: TrackFigures; stable: TrackFigures }) {
  const queries: Array<{ promql: string; at: number }> = [];
  const track = (q: string) => (q.includes('track="canary"') ? figures.canary : figures.stable);
  const client: PrometheusClient = {
    async query(promql, at) {
      queries.push({ promql, at });
      const f = track(promql);
      if (promql.includes('_sum')) return f.avgSec === null ? [] : [{ metric: {}, value: f.avgSec }];
      if (promql.includes('status_code=~"5.."')) return f.errors ? [{ metric: {}, value: f.errors }] : [];
      return f.requests ? [{ metric: {}, value: f.requests }] : [];
    },
    async queryRange(promql, start, end, step) {
      const f = track(promql);
      if (f.avgSec === null) return [];
      const points: Array<[number, number]> = [];
      for (let t = start; t <= end; t += step) points.push([t, f.avgSec]);
      return [{ metric: {}, points }];
    },
  };
  return { client, queries };
}

export function fakeClock(startMs = Date.parse('2026-11-27T10:00:00Z')) {
  const sleeps: number[] = [];
  const c = {
    t: startMs,
    sleeps,
    /** Runs before each sleep returns; lets a test act "during" the window. */
    onSleep: undefined as undefined | ((n: number) => void),
  };
  const clock: Clock = {
    now: () => c.t,
    async sleep(ms) {
      sleeps.push(ms);
      c.t += ms;
      c.onSleep?.(sleeps.length);
    },
  };
  return Object.assign(c, { clock });
}

export function captureNotifier() {
  const sent: Notification[] = [];
  return { sent, notifier: { notify: async (n: Notification) => void sent.push(n) } };
}
