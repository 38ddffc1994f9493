// Summaries and notifications written from run outcomes (pure).
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../model/types.ts';
import { runNotification } from '../run/messages.ts';
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
  metrics: { rmse: 0.91234, mae: 0.7 },
  nTrain: 4000,
  nTest: 1000,
  trainSeconds: 2,
};
const timings = [
  { step: 'prepare' as const, seconds: 0.5, ok: true },
  { step: 'collect' as const, seconds: 1.25, ok: true },
];
const versioned = { data: { md5: 'd'.repeat(32) }, model: { md5: 'm'.repeat(32) } } as never;

describe('summarize', () => {
  it('flattens a published outcome', () => {
    const o = { status: 'published', prepared, collected, trained, versioned, published: { commit: 'c0ffee12345678', attempts: 2, branch: 'main' }, timings } as PipelineOutcome;
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
    expect(exitCodeFor(s)).toBe(0);
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
