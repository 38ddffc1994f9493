import { describe, expect, it } from 'vitest';
import { recordInterval, resumeRun, startRun, type IntervalOutcome, type RunLimits, type RunState } from '../../analysis/run.ts';

const pass: IntervalOutcome = { decision: 'pass', guardrailBreached: false };
const fail: IntervalOutcome = { decision: 'fail', guardrailBreached: false };
const unsure: IntervalOutcome = { decision: 'inconclusive', guardrailBreached: false };
const error: IntervalOutcome = { error: 'Prometheus: connection refused' };
const limits: RunLimits = { intervals: 4, consecutiveFailureLimit: 2, inconclusiveLimit: 2, consecutiveErrorLimit: 3 };

const run = (outcomes: IntervalOutcome[], l: RunLimits = limits): RunState =>
  outcomes.reduce((s, o) => recordInterval(s, o, l), startRun());

describe('run state machine', () => {
  it('succeeds after the planned intervals when the last judged one passed', () => {
    expect(run([pass, pass, pass, pass])).toMatchObject({ status: 'succeeded', passes: 4, intervals: 4 });
    expect(run([pass, pass, pass])).toMatchObject({ status: 'running' });
  });

  it('fails at the consecutive-failure limit; a pass in between resets it', () => {
    expect(run([pass, fail, fail])).toMatchObject({ status: 'failed', consecutiveFailures: 2 });
    expect(run([fail, pass, fail, pass])).toMatchObject({ status: 'succeeded', failures: 2 });
  });

  it('a failing last interval fails the run even under the limit', () => {
    expect(run([pass, pass, pass, fail]).status).toBe('failed');
  });

  it('a breached guardrail fails at once', () => {
    expect(run([pass, { decision: 'fail', guardrailBreached: true }])).toMatchObject({ status: 'failed', intervals: 2 });
  });

  it('pauses at the inconclusive limit; resume continues with the count reset', () => {
    const paused = run([unsure, pass, unsure]);
    expect(paused).toMatchObject({ status: 'paused', inconclusives: 2 });
    expect(() => recordInterval(paused, pass, limits)).toThrow(/paused, not running/);
    const resumed = recordInterval(resumeRun(paused), pass, limits);
    expect(resumed).toMatchObject({ status: 'succeeded', inconclusives: 0, intervals: 4 });
  });

  it('fails at the consecutive-error limit; a judged interval resets it', () => {
    expect(run([error, error, error])).toMatchObject({ status: 'failed', errors: 3 });
    expect(run([error, error, pass, error])).toMatchObject({ status: 'succeeded', errors: 3, consecutiveErrors: 1 });
  });

  it('every measurement errored → never a success (argo-rollouts#4479), even under the error limit', () => {
    const s = run([error, error], { intervals: 2, consecutiveErrorLimit: 5 });
    expect(s.status).toBe('failed');
    expect(s.reason).toBe('every one of 2 measurements errored: never a success');
  });

  it('errors and inconclusives only, under their limits → paused, not succeeded', () => {
    expect(run([error, unsure], { intervals: 2, inconclusiveLimit: 3 }).status).toBe('paused');
  });

  it('is plain JSON, so the controller can persist and resume it', () => {
    const s = run([pass, error]);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('refuses bad limits', () => {
    expect(() => recordInterval(startRun(), pass, { intervals: 0 })).toThrow(/runLimits\.intervals/);
  });
});
