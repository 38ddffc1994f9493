// The stepped rollout (Argo Rollouts' canary steps) as a pure state machine: `nextAction(state)`
// says what the controller must do now, `advance(state, event)` what follows from its result.
// No I/O and no clock: the state is plain JSON kept in the release state, so a controller
// killed at any step re-reads it and carries on (re-applying the step's weights, which is
// idempotent, then measuring the step's remaining intervals).
//
// Each analysis step gives the canary `p` % of the traffic and a baseline (a fresh replica of the
// current model) as much, so the two are compared on the same traffic at the same time (Kayenta's
// rule); the stables keep the rest. Promotion follows the last step.
import { z } from 'zod';
import { analyzeInterval, recordInterval, resumeRun, startRun, type DecisionConfig, type MetricVerdict, type RunLimits, type RunState } from './analysis/index.ts';
import { MarqueeError } from '../core/errors.ts';
import type { IntervalMeasurement, TrackName } from './measure/types.ts';

export type TrackWeights = Record<TrackName, number>;

/** All traffic on the stables: before a release and after a rollback. */
export const STABLE_ONLY: TrackWeights = { stable: 100, baseline: 0, canary: 0 };

export const DEFAULT_STEPS = [5, 20, 50, 100] as const;

export interface RolloutPlan {
  /** Canary percent per analysis step, increasing, each at most 50 (the baseline gets as much). */
  steps: number[];
  /** Length of one analysis interval (one measure + analyzeInterval). */
  intervalMs: number;
  /** Per step's analysis run: intervals, consecutive-failure, inconclusive and error limits. */
  limits: RunLimits;
  decision?: DecisionConfig;
}

/**
 * Parses "5,20,50,100" (or numbers): increasing whole percents; a trailing 100 means "then
 * promote" and is dropped, as promotion always follows the last analysis step.
 */
export function parseSteps(input: string | readonly number[]): number[] {
  const raw = typeof input === 'string' ? input.split(/[,\s→>]+/).filter(Boolean).map(Number) : [...input];
  const steps = raw.at(-1) === 100 ? raw.slice(0, -1) : raw;
  const bad = (why: string) => new MarqueeError('CONFIG', `release steps ${JSON.stringify(input)}: ${why}`);
  if (!steps.length) throw bad('at least one analysis step below 100 % is needed');
  steps.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 1 || p > 50) throw bad(`${p} is not a whole percent in [1, 50] (the baseline gets as much as the canary)`);
    if (i > 0 && p <= steps[i - 1]) throw bad('steps must increase');
  });
  return steps;
}

/** The weights of a step giving the canary `percent`: the baseline as much, the stables the rest. */
export function stepWeights(percent: number): TrackWeights {
  return { stable: 100 - 2 * percent, baseline: percent, canary: percent };
}

export interface IntervalRecord {
  step: number;
  canaryPercent: number;
  fromMs: number;
  toMs: number;
  /** judged: analysed; idle: the canary had no traffic yet (not analysed); error: no measurement. */
  kind: 'judged' | 'idle' | 'error';
  decision: 'pass' | 'fail' | 'inconclusive' | null;
  score: number | null;
  guardrailBreached: boolean;
  reasons: string[];
  verdicts: MetricVerdict[];
  canaryRequests: number;
  baselineRequests: number;
  canaryAvgLatencyMs: number | null;
  /** What the charts need: per metric, the latency buckets or the shares, as measured. */
  data: Array<{ metric: string; kind: string; data: unknown }>;
  /** The run after this interval. */
  run: RunState;
}

export interface RolloutState {
  plan: { steps: number[]; intervalMs: number; limits: RunLimits; decision: DecisionConfig };
  /** The step being analysed; steps.length once every step succeeded (promote). */
  stepIndex: number;
  /** Weights applied for this step (null: not yet, or a resumed controller must re-apply them). */
  weights: TrackWeights | null;
  /** Where the next interval starts (the weights' application, then each interval's end). */
  nextFromMs: number | null;
  /** Whether the canary has had traffic in this step: analysis starts only then. */
  trafficSeen: boolean;
  /** Intervals of this step without canary traffic before any with it. */
  idleIntervals: number;
  run: RunState;
  intervals: IntervalRecord[];
}

export type RolloutAction =
  | { kind: 'set-weights'; weights: TrackWeights }
  | { kind: 'measure'; fromMs: number; toMs: number }
  | { kind: 'pause'; reason: string }
  | { kind: 'promote'; reason: string }
  | { kind: 'rollback'; reason: string };

export type RolloutEvent =
  | { type: 'weights-set'; weights: TrackWeights; atMs: number }
  | { type: 'measured'; fromMs: number; toMs: number; measurement: IntervalMeasurement }
  | { type: 'measure-failed'; fromMs: number; toMs: number; error: string }
  | { type: 'resumed' };

export function startRollout(plan: RolloutPlan): RolloutState {
  const steps = parseSteps(plan.steps);
  if (!(plan.intervalMs >= 1000)) throw new MarqueeError('CONFIG', `release interval ${plan.intervalMs} ms: at least 1 s`);
  return {
    plan: { steps, intervalMs: plan.intervalMs, limits: plan.limits, decision: plan.decision ?? {} },
    stepIndex: 0,
    weights: null,
    nextFromMs: null,
    trafficSeen: false,
    idleIntervals: 0,
    run: startRun(),
    intervals: [],
  };
}

/** What the controller must do now. */
export function nextAction(r: RolloutState): RolloutAction {
  const { steps } = r.plan;
  if (r.run.status === 'failed') return { kind: 'rollback', reason: `step ${r.stepIndex + 1} (${steps[r.stepIndex]} %) failed: ${r.run.reason}` };
  if (r.run.status === 'paused') return { kind: 'pause', reason: `step ${r.stepIndex + 1} (${steps[r.stepIndex]} %) paused: ${r.run.reason}` };
  if (r.stepIndex >= steps.length) return { kind: 'promote', reason: `all ${steps.length} steps (${steps.join(' → ')} %) succeeded` };
  if (!r.weights || r.nextFromMs === null) return { kind: 'set-weights', weights: stepWeights(steps[r.stepIndex]) };
  return { kind: 'measure', fromMs: r.nextFromMs, toMs: r.nextFromMs + r.plan.intervalMs };
}

/** The state after an action's result (or an operator's resume). */
export function advance(r: RolloutState, e: RolloutEvent): RolloutState {
  switch (e.type) {
    case 'weights-set':
      // A re-applied step (after a restart) keeps its intervals: it continues from the last one's end.
      return { ...r, weights: e.weights, nextFromMs: r.nextFromMs ?? e.atMs };
    case 'resumed':
      if (r.run.status !== 'paused') throw new MarqueeError('INPUT', `the rollout is ${r.run.status}, not paused: nothing to resume`);
      return { ...r, run: resumeRun(r.run), idleIntervals: 0 };
    case 'measure-failed':
      return judged(r, e, recordInterval(r.run, { error: e.error }, r.plan.limits), { kind: 'error', reasons: [e.error] });
    case 'measured':
      return measured(r, e);
  }
}

function measured(r: RolloutState, e: Extract<RolloutEvent, { type: 'measured' }>): RolloutState {
  const m = e.measurement;
  const figures = {
    canaryRequests: m.canaryRequests,
    baselineRequests: m.baselineRequests,
    canaryAvgLatencyMs: m.canaryAvgLatencyMs,
    data: m.metrics.map((x) => ({ metric: x.spec.name, kind: x.kind, data: x.data })),
  };
  if (!r.trafficSeen && !(m.canaryRequests > 0)) {
    // No canary traffic yet: nothing to compare, and never a pass (Flagger's "no values found").
    const idle = r.idleIntervals + 1;
    const limit = r.plan.limits.inconclusiveLimit ?? 2;
    const run: RunState =
      idle >= limit
        ? { ...r.run, status: 'paused', reason: `the canary had no traffic in ${idle} intervals: inconclusive, an operator decides` }
        : { ...r.run, reason: `waiting for canary traffic (${idle} idle intervals)` };
    return append({ ...r, idleIntervals: idle, nextFromMs: e.toMs, run }, e, { kind: 'idle', reasons: [run.reason], ...figures });
  }
  const analysis = analyzeInterval({ metrics: m.metrics, canaryAvgLatencyMs: m.canaryAvgLatencyMs }, r.plan.decision);
  const run = recordInterval(r.run, analysis, r.plan.limits);
  return judged({ ...r, trafficSeen: true }, e, run, {
    kind: 'judged',
    decision: analysis.decision,
    score: analysis.score,
    guardrailBreached: analysis.guardrailBreached,
    reasons: analysis.reasons,
    verdicts: analysis.verdicts,
    ...figures,
  });
}

/** Records the interval; a succeeded step moves to the next (its weights still to be applied). */
function judged(r: RolloutState, e: { fromMs: number; toMs: number }, run: RunState, rec: Partial<IntervalRecord>): RolloutState {
  const next = append({ ...r, run, nextFromMs: e.toMs }, e, rec);
  if (run.status !== 'succeeded') return next;
  return { ...next, stepIndex: r.stepIndex + 1, weights: null, nextFromMs: null, trafficSeen: false, idleIntervals: 0, run: startRun() };
}

function append(r: RolloutState, e: { fromMs: number; toMs: number }, rec: Partial<IntervalRecord>): RolloutState {
  const record: IntervalRecord = {
    step: r.stepIndex,
    canaryPercent: r.plan.steps[r.stepIndex],
    fromMs: e.fromMs,
    toMs: e.toMs,
    kind: 'judged',
    decision: null,
    score: null,
    guardrailBreached: false,
    reasons: [],
    verdicts: [],
    canaryRequests: 0,
    baselineRequests: 0,
    canaryAvgLatencyMs: null,
    data: [],
    ...rec,
    run: r.run,
  };
  return { ...r, intervals: [...r.intervals, record] };
}

export const rolloutStateSchema = z.custom<RolloutState>(
  (v) => typeof v === 'object' && v !== null && 'plan' in v && 'run' in v && Array.isArray((v as RolloutState).intervals),
  { message: 'not a rollout state' },
);
