// The worker's scheduling rules with a fake scheduler and fake runs (no timers of node-cron).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.ts';
import { silentLogger } from '../../core/logger.ts';
import { createWorker, cronError, DEFAULT_CRON, type Scheduler, workerEnvShape } from '../worker.ts';

function fakeScheduler() {
  const state = { ticks: [] as Array<() => void>, stopped: false };
  const scheduler: Scheduler = (_expr, tick) => {
    state.ticks.push(tick);
    return { stop: () => void (state.stopped = true), nextRun: () => new Date('2030-01-01T03:00:00Z') };
  };
  return { scheduler, state };
}

/** A run that waits for `release()` (or an abort, when it honours the signal). */
function controllableRun(honourAbort = true) {
  let release: () => void = () => {};
  const runs: AbortSignal[] = [];
  const runOnce = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      runs.push(signal);
      release = resolve;
      if (honourAbort) signal.addEventListener('abort', () => resolve());
    });
  return { runOnce, runs, release: () => release() };
}

const base = { logger: silentLogger, stopGraceMs: 20, abortGraceMs: 20 };

describe('cron validation', () => {
  it('accepts the default (every 2 days at 03:00) and common expressions', () => {
    for (const e of [DEFAULT_CRON, '*/5 * * * *', '0 0 * * 1-5', '30 */6 * * *', '0 0 3 */2 * *']) expect(cronError(e)).toBeNull();
  });

  it('explains what is wrong', () => {
    expect(cronError('61 * * * *')).toMatch(/minute/);
    expect(cronError('* * *')).toMatch(/expected 5 fields/);
    expect(cronError('0 3 */2 * * * *')).toMatch(/got 7/);
    expect(cronError('0 25 * * *')).toMatch(/hour/);
  });

  it('is applied to PIPELINE_CRON with the variable named', () => {
    expect(loadConfig(workerEnvShape, {}).PIPELINE_CRON).toBe(DEFAULT_CRON);
    expect(() => loadConfig(workerEnvShape, { PIPELINE_CRON: 'every day' })).toThrow(ConfigError);
    expect(() => loadConfig(workerEnvShape, { PIPELINE_CRON: 'every day' })).toThrow(/PIPELINE_CRON: 'every day' is not a valid cron expression/);
  });

  it('is enforced by createWorker too', () => {
    expect(() => createWorker({ ...base, cron: 'bad', runOnce: async () => {} })).toThrow(/invalid cron expression/);
  });
});

describe('worker', () => {
  it('runs on each tick and skips a tick while the previous run is still going', async () => {
    const { scheduler, state } = fakeScheduler();
    const run = controllableRun();
    const w = createWorker({ ...base, cron: DEFAULT_CRON, runOnce: run.runOnce, scheduler });
    w.start();
    const first = w.trigger('schedule');
    expect(w.busy).toBe(true);
    expect(await w.trigger('schedule')).toBe('skipped');
    run.release();
    expect(await first).toBe('ran');
    expect(w.busy).toBe(false);
    state.ticks[0]();
    expect(run.runs).toHaveLength(2);
    run.release();
  });

  it('runs at start when asked', () => {
    const { scheduler } = fakeScheduler();
    const run = controllableRun();
    createWorker({ ...base, cron: DEFAULT_CRON, runOnce: run.runOnce, scheduler, runOnStart: true }).start();
    expect(run.runs).toHaveLength(1);
    run.release();
  });

  it('a crashing run is logged and the worker keeps going', async () => {
    const { scheduler } = fakeScheduler();
    let n = 0;
    const runOnce = async () => {
      if (n++ === 0) throw new Error('boom');
    };
    const w = createWorker({ ...base, cron: DEFAULT_CRON, scheduler, runOnce });
    w.start();
    expect(await w.trigger('schedule')).toBe('ran');
    expect(await w.trigger('schedule')).toBe('ran');
    expect(n).toBe(2);
  });

  it('stops idle at once and schedules nothing afterwards', async () => {
    const { scheduler, state } = fakeScheduler();
    const run = controllableRun();
    const w = createWorker({ ...base, cron: DEFAULT_CRON, runOnce: run.runOnce, scheduler });
    w.start();
    expect(await w.stop()).toBe('idle');
    expect(state.stopped).toBe(true);
    expect(await w.trigger('schedule')).toBe('stopped');
    expect(run.runs).toHaveLength(0);
  });

  it('lets a running run finish within the grace period', async () => {
    const { scheduler } = fakeScheduler();
    const run = controllableRun();
    const w = createWorker({ ...base, stopGraceMs: 5_000, cron: DEFAULT_CRON, runOnce: run.runOnce, scheduler });
    w.start();
    void w.trigger('schedule');
    const stopping = w.stop();
    run.release();
    expect(await stopping).toBe('finished');
    expect(run.runs[0].aborted).toBe(false);
  });

  it('aborts a run that outlives the grace period', async () => {
    const { scheduler } = fakeScheduler();
    const run = controllableRun(true);
    const w = createWorker({ ...base, stopGraceMs: 0, abortGraceMs: 5_000, cron: DEFAULT_CRON, runOnce: run.runOnce, scheduler });
    w.start();
    void w.trigger('schedule');
    expect(await w.stop()).toBe('aborted');
    expect(run.runs[0].aborted).toBe(true);
  });

  it('gives up on a run that ignores the abort', async () => {
    const { scheduler } = fakeScheduler();
    const run = controllableRun(false);
    const w = createWorker({ ...base, stopGraceMs: 0, abortGraceMs: 10, cron: DEFAULT_CRON, runOnce: run.runOnce, scheduler });
    w.start();
    void w.trigger('schedule');
    expect(await w.stop()).toBe('timeout');
    run.release();
  });
});
