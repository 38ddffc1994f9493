// The run's outcome logic with fake steps: what runs, what is undone, what is reported.
import { describe, expect, it } from 'vitest';
import { gate } from '../run/gate.ts';
import { orchestrate, type RunSteps } from '../run/orchestrate.ts';

type Failing = 'prepare' | 'collect' | 'train' | 'version' | 'publish' | 'track';

function fakeSteps(opts: { fail?: Failing; rmse?: number; rollbackErrors?: string[]; discardThrows?: boolean } = {}) {
  const calls: string[] = [];
  const act = async <T>(name: Failing, value: T): Promise<T> => {
    calls.push(name);
    if (opts.fail === name) throw new Error(`${name} broke`);
    return value;
  };
  const steps: RunSteps<string, string, { rmse: number }, string, string> = {
    prepare: () => act('prepare', 'P'),
    collect: () => act('collect', 'C'),
    train: () => act('train', { rmse: opts.rmse ?? 0.8 }),
    gate: (t) => {
      calls.push('gate');
      return gate(t.rmse, 1.0);
    },
    version: () => act('version', 'V'),
    publish: () => act('publish', 'G'),
    track: () => act('track', undefined),
    discard: async () => {
      calls.push('discard');
      if (opts.discardThrows) throw new Error('rm failed');
    },
    rollback: async () => {
      calls.push('rollback');
      return opts.rollbackErrors ?? [];
    },
    finish: async () => {
      calls.push('finish');
    },
  };
  return { steps, calls };
}

describe('orchestrate', () => {
  it('runs every step in order and reports a published version', async () => {
    const { steps, calls } = fakeSteps();
    const o = await orchestrate(steps);
    expect(o.status).toBe('published');
    expect(calls).toEqual(['prepare', 'collect', 'train', 'gate', 'version', 'publish', 'track', 'finish']);
    expect(o.timings.map((t) => t.step)).toEqual(['prepare', 'collect', 'train', 'gate', 'version', 'publish', 'track']);
    if (o.status === 'published') expect([o.versioned, o.published]).toEqual(['V', 'G']);
  });

  it('stops at a failed gate: nothing is versioned and the training output is discarded', async () => {
    const { steps, calls } = fakeSteps({ rmse: 1.3 });
    const o = await orchestrate(steps);
    expect(o.status).toBe('gate-failed');
    if (o.status === 'gate-failed') expect(o.decision).toMatchObject({ pass: false, rmse: 1.3, threshold: 1 });
    expect(calls).toEqual(['prepare', 'collect', 'train', 'gate', 'discard', 'finish']);
  });

  it('treats a NaN RMSE as a failed gate', async () => {
    const { steps } = fakeSteps({ rmse: Number.NaN });
    expect((await orchestrate(steps)).status).toBe('gate-failed');
  });

  it('reports a failed prepare without clean-up (prepare cleans up after itself)', async () => {
    const { steps, calls } = fakeSteps({ fail: 'prepare' });
    const o = await orchestrate(steps);
    expect(o).toMatchObject({ status: 'failed', step: 'prepare', rolledBack: true });
    expect(calls).toEqual(['prepare']);
  });

  it.each(['collect', 'train', 'version'] as const)('a failed %s discards the training output and versions nothing', async (step) => {
    const { steps, calls } = fakeSteps({ fail: step });
    const o = await orchestrate(steps);
    expect(o).toMatchObject({ status: 'failed', step, rolledBack: true });
    if (o.status === 'failed') expect(o.error.message).toBe(`${step} broke`);
    expect(calls).not.toContain('publish');
    expect(calls).not.toContain('rollback');
    expect(calls.slice(-2)).toEqual(['discard', 'finish']);
  });

  it('a failed publish rolls the version back', async () => {
    const { steps, calls } = fakeSteps({ fail: 'publish' });
    const o = await orchestrate(steps);
    expect(o).toMatchObject({ status: 'failed', step: 'publish', rolledBack: true, versioned: 'V' });
    expect(calls.slice(-4)).toEqual(['publish', 'rollback', 'discard', 'finish']);
  });

  it('an incomplete rollback is reported', async () => {
    const { steps } = fakeSteps({ fail: 'publish', rollbackErrors: ['remove models/3: EBUSY'] });
    const o = await orchestrate(steps);
    expect(o).toMatchObject({ status: 'failed', rolledBack: false, rollbackErrors: ['remove models/3: EBUSY'] });
  });

  it('a failed track after a successful publish is reported, not undone', async () => {
    const { steps, calls } = fakeSteps({ fail: 'track' });
    const o = await orchestrate(steps);
    expect(o).toMatchObject({ status: 'failed', step: 'track', rolledBack: false, published: 'G' });
    expect(calls).not.toContain('rollback');
    expect(calls).not.toContain('discard');
  });

  it('a discard that throws becomes a clean-up error, not a crash', async () => {
    const { steps } = fakeSteps({ fail: 'train', discardThrows: true });
    const o = await orchestrate(steps);
    expect(o).toMatchObject({ status: 'failed', step: 'train', rolledBack: false, rollbackErrors: ['discard: rm failed'] });
  });

  it('an abort stops the run at the next step boundary and cleans up', async () => {
    const controller = new AbortController();
    const { steps, calls } = fakeSteps();
    steps.collect = async () => {
      calls.push('collect');
      controller.abort(new Error('SIGTERM received'));
      return 'C';
    };
    const o = await orchestrate(steps, { signal: controller.signal });
    expect(o).toMatchObject({ status: 'failed', step: 'train', rolledBack: true });
    if (o.status === 'failed') expect(o.error.message).toMatch(/aborted before train: SIGTERM received/);
    expect(calls).toEqual(['prepare', 'collect', 'discard', 'finish']);
  });

  it('times each step with the given clock and reports start/end events', async () => {
    let t = 0;
    const events: string[] = [];
    const { steps } = fakeSteps({ fail: 'version' });
    const o = await orchestrate(steps, {
      now: () => (t += 500),
      onStepStart: (s) => events.push(`start ${s}`),
      onStepEnd: (timing, err) => events.push(`end ${timing.step} ${timing.ok} ${err?.message ?? ''}`.trim()),
    });
    expect(o.timings.every((x) => x.seconds === 0.5)).toBe(true);
    expect(o.timings.at(-1)).toEqual({ step: 'version', seconds: 0.5, ok: false });
    expect(events.slice(-2)).toEqual(['start version', 'end version false version broke']);
  });
});

describe('gate', () => {
  it('passes strictly below the threshold', () => {
    expect(gate(0.99, 1).pass).toBe(true);
    expect(gate(1, 1).pass).toBe(false);
    expect(gate(1.01, 1)).toMatchObject({ pass: false, reason: 'RMSE 1.0100 is not below the threshold 1' });
  });

  it('fails a non-finite RMSE and rejects a meaningless threshold', () => {
    expect(gate(Number.POSITIVE_INFINITY, 1).pass).toBe(false);
    expect(() => gate(0.5, 0)).toThrow(/positive/);
    expect(() => gate(0.5, Number.NaN)).toThrow(/positive/);
  });
});
