// The worker's metrics: what a run's end sets, the endpoint, the config; runs are fakes.
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';
import { silentLogger } from '../../core/logger.ts';
import { createWorker, type Scheduler } from '../worker.ts';
import { createWorkerMetrics, runSucceeded, workerMetricsEnvShape } from '../worker-metrics.ts';

const noSchedule: Scheduler = () => ({ stop: () => {}, nextRun: () => null });

async function gauges(registry: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const m of await registry.getMetricsAsJSON()) {
    if (m.name.startsWith('marquee_pipeline_')) out[m.name] = (m.values[0]?.value as number) ?? NaN;
  }
  return out;
}

/** A worker whose runs resolve to `results` in turn (an Error is thrown), metrics wired as the CLI does. */
function workerWith(results: unknown[]) {
  const registry = new Registry();
  const metrics = createWorkerMetrics(registry);
  const worker = createWorker({
    cron: '0 3 * * *',
    logger: silentLogger,
    stopGraceMs: 10,
    abortGraceMs: 10,
    scheduler: noSchedule,
    runOnce: async () => {
      const r = results.shift();
      if (r instanceof Error) throw r;
      return r;
    },
    onRunEnd: (result, error) => metrics.runEnded(runSucceeded(result, error)),
  });
  return { registry, worker };
}

describe('worker metrics', () => {
  it('start at 0 before any run, with the exact names the alerting rules use', async () => {
    const { registry } = workerWith([]);
    expect(await gauges(registry)).toEqual({
      marquee_pipeline_last_run_timestamp_seconds: 0,
      marquee_pipeline_last_success_timestamp_seconds: 0,
      marquee_pipeline_last_run_success: 0,
    });
    expect(await registry.metrics()).toMatch(/^process_cpu_seconds_total /m);
  });

  it('record a success, then a failure that keeps the last success time, then a crash', async () => {
    const { registry, worker } = workerWith([{ status: 'published' }, { status: 'failed' }, new Error('boom')]);
    const before = Date.now() / 1000;
    await worker.trigger('test');
    const afterSuccess = await gauges(registry);
    expect(afterSuccess.marquee_pipeline_last_run_success).toBe(1);
    expect(afterSuccess.marquee_pipeline_last_success_timestamp_seconds).toBeGreaterThanOrEqual(before);
    expect(afterSuccess.marquee_pipeline_last_run_timestamp_seconds).toBe(afterSuccess.marquee_pipeline_last_success_timestamp_seconds);

    await sleep(5);
    await worker.trigger('test');
    const afterFailure = await gauges(registry);
    expect(afterFailure.marquee_pipeline_last_run_success).toBe(0);
    expect(afterFailure.marquee_pipeline_last_success_timestamp_seconds).toBe(afterSuccess.marquee_pipeline_last_success_timestamp_seconds);
    expect(afterFailure.marquee_pipeline_last_run_timestamp_seconds).toBeGreaterThan(afterSuccess.marquee_pipeline_last_run_timestamp_seconds!);

    await worker.trigger('test');
    expect((await gauges(registry)).marquee_pipeline_last_run_success).toBe(0);
  });

  it('count a gate refusal as a success (the served model stays), a failed step or crash not', () => {
    expect(runSucceeded({ status: 'published' })).toBe(true);
    expect(runSucceeded({ status: 'gate-failed' })).toBe(true);
    expect(runSucceeded({ status: 'failed' })).toBe(false);
    expect(runSucceeded(undefined, new Error('x'))).toBe(false);
  });

  it('are configured by WORKER_METRICS_PORT (default 9464, 0 = off) and WORKER_METRICS_HOST (default 0.0.0.0)', () => {
    expect(loadConfig(workerMetricsEnvShape, {})).toEqual({ WORKER_METRICS_PORT: 9464, WORKER_METRICS_HOST: '0.0.0.0' });
    expect(loadConfig(workerMetricsEnvShape, { WORKER_METRICS_PORT: '0' }).WORKER_METRICS_PORT).toBe(0);
    expect(() => loadConfig(workerMetricsEnvShape, { WORKER_METRICS_PORT: '70000' })).toThrow(/WORKER_METRICS_PORT/);
  });
});
