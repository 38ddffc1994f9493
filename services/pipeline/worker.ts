// The pipeline worker: runs the pipeline on a cron schedule, never two runs at once (a tick that
// finds a run still going is skipped and logged), and stops cleanly: on stop() it stops scheduling,
// gives a running run `stopGraceMs` to finish, then aborts it (the run stops at its next step
// boundary and rolls back) and waits up to `abortGraceMs` more.
import cron from 'node-cron';
import { z } from 'zod';
import { env } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import { MarqueeError } from '../core/errors.ts';

export const DEFAULT_CRON = '0 3 */2 * *';

/** Why a cron expression is invalid, or null when node-cron accepts it. */
export function cronError(expr: string): string | null {
  const fields = expr.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, got ${fields.length}`;
  }
  const result = cron.validateDetailed(expr.trim());
  if (result.valid) return null;
  return result.errors.map((e) => `${e.field}: ${e.message}`).join('; ') || 'not a valid cron expression';
}

export const workerEnvShape = {
  PIPELINE_CRON: z
    .string()
    .default(DEFAULT_CRON)
    .superRefine((v, ctx) => {
      const problem = cronError(v);
      if (problem) ctx.addIssue({ code: 'custom', message: `'${v}' is not a valid cron expression: ${problem}` });
    }),
  PIPELINE_RUN_ON_START: env.bool(false),
  /** On SIGTERM, how long a running run may take to finish before it is aborted. */
  PIPELINE_STOP_GRACE_MS: env.int(60_000, 0),
  /** After aborting, how long the run gets to roll back before the worker gives up. */
  PIPELINE_ABORT_GRACE_MS: env.int(30_000, 0),
};

export interface Schedule {
  stop(): void;
  nextRun(): Date | null;
}

export type Scheduler = (expr: string, tick: () => void) => Schedule;

export const cronScheduler: Scheduler = (expr, tick) => {
  const task = cron.schedule(expr, tick, { name: 'marquee-pipeline' });
  return { stop: () => void task.stop(), nextRun: () => task.getNextRun() };
};

export interface WorkerOptions {
  cron: string;
  runOnce(signal: AbortSignal): Promise<unknown>;
  logger: Logger;
  runOnStart?: boolean;
  stopGraceMs: number;
  abortGraceMs: number;
  scheduler?: Scheduler;
  /** Called when a run ends, with what runOnce resolved to or the error it threw (metrics). */
  onRunEnd?: (result: unknown, error?: unknown) => void;
}

export type TriggerResult = 'ran' | 'skipped' | 'stopped';
/** idle: nothing was running; finished: the run completed in the grace period; aborted: it stopped
 * after the abort; timeout: it was still going when the worker gave up. */
export type StopResult = 'idle' | 'finished' | 'aborted' | 'timeout';

export interface Worker {
  start(): void;
  trigger(reason: string): Promise<TriggerResult>;
  stop(): Promise<StopResult>;
  readonly busy: boolean;
}

export function createWorker(opts: WorkerOptions): Worker {
  const problem = cronError(opts.cron);
  if (problem) throw new MarqueeError('CONFIG', `invalid cron expression '${opts.cron}': ${problem}`);
  const scheduler = opts.scheduler ?? cronScheduler;
  const log = opts.logger;
  let schedule: Schedule | null = null;
  let running: Promise<void> | null = null;
  let controller: AbortController | null = null;
  let stopping = false;

  const trigger = async (reason: string): Promise<TriggerResult> => {
    if (stopping) {
      log.info('run not started: worker is stopping', { reason });
      return 'stopped';
    }
    if (running) {
      log.warn('run skipped: the previous run is still going', { reason });
      return 'skipped';
    }
    controller = new AbortController();
    const signal = controller.signal;
    log.info('run triggered', { reason });
    running = (async () => {
      try {
        const result = await opts.runOnce(signal);
        opts.onRunEnd?.(result);
      } catch (err) {
        log.error('run crashed', { error: (err as Error).message });
        opts.onRunEnd?.(undefined, err);
      } finally {
        running = null;
        controller = null;
        const next = schedule?.nextRun();
        if (next && !stopping) log.info('next run scheduled', { at: next.toISOString() });
      }
    })();
    await running;
    return 'ran';
  };

  const within = (p: Promise<void>, ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void p.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });

  return {
    get busy() {
      return running !== null;
    },
    start() {
      if (schedule) return;
      schedule = scheduler(opts.cron, () => void trigger('schedule'));
      log.info('worker started', { cron: opts.cron, next_run: schedule.nextRun()?.toISOString() });
      if (opts.runOnStart) void trigger('start');
    },
    trigger,
    async stop() {
      stopping = true;
      schedule?.stop();
      schedule = null;
      const current = running;
      if (!current) {
        log.info('worker stopped (idle)');
        return 'idle';
      }
      log.info('worker stopping: waiting for the running run', { grace_ms: opts.stopGraceMs });
      if (await within(current, opts.stopGraceMs)) {
        log.info('worker stopped after the run finished');
        return 'finished';
      }
      log.warn('aborting the running run', { grace_ms: opts.abortGraceMs });
      controller?.abort(new Error('worker shutting down'));
      if (await within(current, opts.abortGraceMs)) {
        log.info('worker stopped after the run aborted');
        return 'aborted';
      }
      log.error('the run did not stop in time; giving up', { waited_ms: opts.stopGraceMs + opts.abortGraceMs });
      return 'timeout';
    },
  };
}
