// The run-level state machine over one step's consecutive analysis intervals (Argo Rollouts'
// AnalysisRun limits, made stricter): a run never succeeds without a passing interval, so a run
// whose every measurement errored cannot succeed (argoproj/argo-rollouts#4479). The state is
// plain JSON, so the controller can persist it and resume.
import { z } from 'zod';
import type { IntervalDecision, IntervalDecisionKind } from './decision.ts';
import { parseInput } from './input.ts';

export const runLimitsSchema = z.object({
  /** How many intervals make the step's analysis. */
  intervals: z.number().int().min(1),
  /** This many failing intervals in a row fail the run (a pass resets the count). */
  consecutiveFailureLimit: z.number().int().min(1).default(2),
  /** This many inconclusive intervals pause the run for an operator (notify; resume resets the count). */
  inconclusiveLimit: z.number().int().min(1).default(2),
  /** This many measurement errors in a row fail the run (any judged interval resets the count). */
  consecutiveErrorLimit: z.number().int().min(1).default(3),
});
export type RunLimits = z.input<typeof runLimitsSchema>;

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'paused';

export interface RunState {
  status: RunStatus;
  intervals: number;
  passes: number;
  failures: number;
  consecutiveFailures: number;
  inconclusives: number;
  errors: number;
  consecutiveErrors: number;
  /** The latest interval that was judged (not errored). */
  lastJudged: IntervalDecisionKind | null;
  /** Why the status is what it is, for the operator and the report. */
  reason: string;
}

/** An interval's decision, or a measurement that could not be taken (Prometheus down, a query failed). */
export type IntervalOutcome = Pick<IntervalDecision, 'decision' | 'guardrailBreached'> | { error: string };

export function startRun(): RunState {
  return {
    status: 'running',
    intervals: 0,
    passes: 0,
    failures: 0,
    consecutiveFailures: 0,
    inconclusives: 0,
    errors: 0,
    consecutiveErrors: 0,
    lastJudged: null,
    reason: 'waiting for the first interval',
  };
}

/**
 * The state after one more interval. In order: a breached guardrail fails at once; limits
 * (consecutive failures, consecutive errors, inconclusives → paused); then, once all planned
 * intervals are done: succeeded only if the last judged interval passed; failed if it failed or
 * if every interval errored; paused otherwise (nothing passed: an operator decides).
 */
export function recordInterval(state: RunState, outcome: IntervalOutcome, limitsInput: RunLimits): RunState {
  const limits = parseInput(runLimitsSchema, limitsInput, 'runLimits');
  if (state.status !== 'running') throw new Error(`recordInterval: the run is ${state.status}, not running`);
  const s: RunState = { ...state, intervals: state.intervals + 1 };
  const at = `interval ${s.intervals}`;
  if ('error' in outcome) {
    s.errors += 1;
    s.consecutiveErrors += 1;
    s.reason = `${at}: measurement error: ${outcome.error}`;
    if (s.consecutiveErrors >= limits.consecutiveErrorLimit) {
      return { ...s, status: 'failed', reason: `${s.consecutiveErrors} measurement errors in a row (limit ${limits.consecutiveErrorLimit}): ${outcome.error}` };
    }
  } else {
    s.consecutiveErrors = 0;
    s.lastJudged = outcome.decision;
    if (outcome.guardrailBreached) return { ...s, failures: s.failures + 1, status: 'failed', reason: `${at}: guardrail breached` };
    if (outcome.decision === 'pass') {
      s.passes += 1;
      s.consecutiveFailures = 0;
      s.reason = `${at} passed`;
    } else if (outcome.decision === 'fail') {
      s.failures += 1;
      s.consecutiveFailures += 1;
      s.reason = `${at} failed`;
      if (s.consecutiveFailures >= limits.consecutiveFailureLimit) {
        return { ...s, status: 'failed', reason: `${s.consecutiveFailures} failing intervals in a row (limit ${limits.consecutiveFailureLimit})` };
      }
    } else {
      s.inconclusives += 1;
      s.reason = `${at} inconclusive`;
      if (s.inconclusives >= limits.inconclusiveLimit) {
        return { ...s, status: 'paused', reason: `${s.inconclusives} inconclusive intervals (limit ${limits.inconclusiveLimit}): pause and notify` };
      }
    }
  }
  return s.intervals >= limits.intervals ? finish(s) : s;
}

function finish(s: RunState): RunState {
  if (s.lastJudged === null) return { ...s, status: 'failed', reason: `every one of ${s.intervals} measurements errored: never a success` };
  if (s.lastJudged === 'fail') return { ...s, status: 'failed', reason: `the last judged interval failed (${s.failures} of ${s.intervals} failed)` };
  if (s.lastJudged === 'pass') {
    return { ...s, status: 'succeeded', reason: `${s.passes} of ${s.intervals} intervals passed, the last judged one included` };
  }
  return { ...s, status: 'paused', reason: `the last judged interval was inconclusive (${s.passes} of ${s.intervals} passed): pause and notify` };
}

/** An operator resumed a paused run: inconclusives start over and one more interval is judged at least. */
export function resumeRun(state: RunState): RunState {
  if (state.status !== 'paused') throw new Error(`resumeRun: the run is ${state.status}, not paused`);
  return { ...state, status: 'running', inconclusives: 0, reason: 'resumed by an operator' };
}
