// Summaries and notifications written from run outcomes (pure).
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../model/index.ts';
import { runGate } from '../run/gate.ts';
import { runNotification } from '../run/messages.ts';
import { DEFAULT_RELATIVE_GATE } from '../run/relative-gate.ts';
import { exitCodeFor, summarize, type PipelineOutcome, type RunSummary } from '../run/summary.ts';

const prepared = { runId: 'r1', version: 4, previousVersion: 3 } as never;
const collected = {
  report: {
    lines: 1000,
    events: { watch: 700, rate: 250, recommendation: 43 },
    rejected: { bad_user: 5, malformed: 2 },
    ratingsAdded: 240,
    ratingsUpdated: 10,
    watchesAdded: 300,
    seconds: 1,
  },
  dataCreatedAt: new Date('2025-01-01T00:00:00Z'),
};
const trained = {
  manifest: { data: { ratings: 5000 } } as Manifest,
  metrics: { rmse: 0.91234, mae: 0.7, ndcgAt20: 0.38, precisionAt20: 0.2, recallAt20: 0.25 },
  nTrain: 4000,
  nTest: 1000,
  trainSeconds: 2,
  served: null,
};
/** Per-user nDCG@20 of a served model, and a candidate better or clearly worse than it. */
const servedScores = Array.from({ length: 200 }, (_, u) => 0.2 + ((u * 37) % 50) / 100);
const paired = (shift: number) => ({ candidate: servedScores.map((v) => v + shift), current: servedScores, currentVersion: '3' });
const passed = runGate(0.91234, 1, paired(0.01), DEFAULT_RELATIVE_GATE);
const refused = runGate(0.91234, 1, paired(-0.05), DEFAULT_RELATIVE_GATE);
const timings = [
  { step: 'prepare' as const, seconds: 0.5, ok: true },
  { step: 'collect' as const, seconds: 1.25, ok: true },
];
const versioned = { data: { md5: 'd'.repeat(32) }, model: { md5: 'm'.repeat(32) } } as never;

describe('summarize', () => {
  it('flattens a published outcome', () => {
    const o = {
      status: 'published',
      prepared,
      collected,
      trained,
      decision: passed,
      versioned,
      published: { commit: 'c0ffee12345678', attempts: 2, branch: 'main' },
      timings,
    } as PipelineOutcome;
    const s = summarize(o, 1);
    expect(s).toMatchObject({
      status: 'published',
      runId: 'r1',
      version: 4,
      previousVersion: 3,
      rmse: 0.91234,
      ratings: 5000,
      trainCount: 4000,
      testCount: 1000,
      commit: 'c0ffee12345678',
      pushAttempts: 2,
      dataMd5: 'd'.repeat(32),
      seconds: 1.75,
    });
    expect(s.ingest).toMatchObject({ lines: 1000, rejected: 7, ratingsAdded: 240 });
    expect(s.ranking).toEqual({ ndcgAt20: 0.38, precisionAt20: 0.2, recallAt20: 0.25, coverage: null, popularityBias: null });
    expect(s.relativeGate).toMatchObject({ decision: 'pass', servedVersion: '3', users: 200, confidence: 0.95, tolerance: 0.01 });
    expect(s.relativeGate?.diff).toBeCloseTo(0.01, 12);
    expect(s.refusedBy).toBeUndefined();
    expect(exitCodeFor(s)).toBe(0);
  });

  it("says which gate refused a candidate, with the relative gate's scores and interval", () => {
    const o = { status: 'gate-failed', prepared, collected, trained, decision: refused, cleanupErrors: [], timings } as PipelineOutcome;
    const s = summarize(o, 1);
    expect(s).toMatchObject({ status: 'gate-failed', refusedBy: ['relative'], relativeGate: { decision: 'refuse', servedVersion: '3' } });
    expect(s.relativeGate?.high).toBeLessThan(-0.01);
    expect(s.relativeGate!.candidateNdcg! - s.relativeGate!.servedNdcg!).toBeCloseTo(-0.05, 12);
    const both = summarize({ ...o, decision: runGate(1.2, 1, paired(-0.05), DEFAULT_RELATIVE_GATE) } as PipelineOutcome, 1);
    expect(both.refusedBy).toEqual(['rmse', 'relative']);
    expect(exitCodeFor(s)).toBe(3);
  });

  it('keeps the failed step, error and rollback state', () => {
    const o = {
      status: 'failed',
      step: 'publish',
      error: new Error('failed after 3 attempts: remote gone'),
      rolledBack: false,
      rollbackErrors: ['remove models/4: EBUSY'],
      prepared,
      collected,
      trained,
      versioned,
      timings,
    } as PipelineOutcome;
    const s = summarize(o, 1);
    expect(s).toMatchObject({ status: 'failed', failedStep: 'publish', rolledBack: false, cleanupErrors: ['remove models/4: EBUSY'] });
    expect(s.commit).toBeUndefined();
    expect(exitCodeFor(s)).toBe(1);
    expect(exitCodeFor({ ...s, status: 'gate-failed' })).toBe(3);
  });
});

const base: RunSummary = { status: 'published', runId: 'r1', version: 4, threshold: 1, rmse: 0.91234, mae: 0.7, timings: [], seconds: 12.3456, commit: 'c0ffee1234567890', ratings: 5000 };

describe('runNotification', () => {
  it('announces a published version with its RMSE, counts and commit', () => {
    const n = runNotification({ ...base, ingest: { lines: 1000, events: { watch: 1, rate: 2, recommendation: 3 }, rejected: 7, rejectedByReason: {}, ratingsAdded: 240, ratingsUpdated: 0 } });
    expect(n.level).toBe('success');
    expect(n.subject).toBe('model version 4 published (RMSE 0.9123)');
    expect(n.text).toContain('commit c0ffee123456');
    expect(n.fields).toMatchObject({ version: 4, rmse: 0.9123, threshold: 1, lines: 1000, rejected_lines: 7, ratings: 5000, commit: 'c0ffee1234567890' });
  });

  it("announces the relative gate's decision, both scores and the interval with a published version", () => {
    const s = summarize(
      { status: 'published', prepared, collected, trained, decision: passed, versioned, published: { commit: 'c0ffee12345678', attempts: 1, branch: 'main' }, timings } as PipelineOutcome,
      1,
    );
    const n = runNotification(s);
    expect(n.subject).toBe('model version 4 published (RMSE 0.9123, nDCG@20 0.38)');
    expect(n.text).toMatch(/\nRelative gate \(pass\): nDCG@20 0\.\d{4} vs 0\.\d{4} \(version 3\): difference 0\.0100, 95% interval \[0\.0100, 0\.0100\] over 200 users/);
    expect(n.fields).toMatchObject({
      ndcg_at_20: 0.38,
      precision_at_20: 0.2,
      relative_gate: 'pass',
      served_version: '3',
      gate_users: 200,
      ndcg_diff: 0.01,
      ndcg_diff_interval: '[0.01, 0.01] at 95%',
      ndcg_tolerance: 0.01,
    });
    // The first version has nothing to compare with.
    const first = runGate(0.9, 1, null, DEFAULT_RELATIVE_GATE);
    const n1 = runNotification(summarize({ status: 'published', prepared, collected, trained, decision: first, versioned, published: { commit: 'c', attempts: 1, branch: 'main' }, timings } as PipelineOutcome, 1));
    expect(n1.text).toContain('Relative gate (no-baseline): no model is served yet: nothing to compare with.');
    expect(n1.fields).toMatchObject({ relative_gate: 'no-baseline', gate_users: 0 });
    expect(n1.fields?.ndcg_diff_interval).toBeUndefined();
  });

  it('reports a candidate refused by the relative gate: both scores, the interval, and the version that keeps serving', () => {
    const s = summarize({ status: 'gate-failed', prepared, collected, trained, decision: refused, cleanupErrors: [], timings } as PipelineOutcome, 1);
    const n = runNotification(s);
    expect(n.level).toBe('failure');
    expect(n.subject).toBe("relative gate refused version 4: nDCG@20 0.395 vs 0.445 of served version 3");
    expect(n.text).toMatch(/worse than the served model's\.\nRelative gate \(refuse\): .* beyond the tolerance 0\.01: difference -0\.0500, 95% interval \[-0\.0500, -0\.0500\] over 200 users\.\nNothing was versioned; version 3 keeps serving\.$/);
    expect(n.fields).toMatchObject({ candidate_version: 4, refused_by: 'relative', relative_gate: 'refuse', ndcg_diff: -0.05, served_version: '3' });
  });

  it('reports a failed gate with the RMSE and the threshold', () => {
    const n = runNotification({ ...base, status: 'gate-failed', threshold: 0.1, commit: undefined });
    expect(n.level).toBe('failure');
    expect(n.subject).toBe('quality gate failed: RMSE 0.9123 >= 0.1');
    expect(n.text).toMatch(/Nothing was versioned/);
    expect(n.fields).toMatchObject({ rmse: 0.9123, threshold: 0.1, candidate_version: 4 });
  });

  it('reports a failed step with its name and error, and whether things were put back', () => {
    const failed: RunSummary = { ...base, status: 'failed', failedStep: 'publish', error: 'failed after 3 attempts: remote gone', rolledBack: true, commit: undefined };
    const n = runNotification(failed);
    expect(n.subject).toBe("pipeline run failed at step 'publish'");
    expect(n.text).toContain('failed after 3 attempts: remote gone');
    expect(n.text).toContain('Nothing was versioned');
    expect(n.fields).toMatchObject({ step: 'publish', error: 'failed after 3 attempts: remote gone', rolled_back: true });

    expect(runNotification({ ...failed, rolledBack: false, cleanupErrors: ['x: EBUSY'] }).text).toContain('Clean-up was incomplete: x: EBUSY');
    expect(runNotification({ ...failed, failedStep: 'track', commit: 'abc' }).text).toContain('already pushed');
    expect(runNotification({ status: 'failed', failedStep: 'prepare', error: 'no remote', rolledBack: true, threshold: 1, timings: [], seconds: 0 }).text).toContain(
      "failed at step 'prepare': no remote",
    );
  });
});
