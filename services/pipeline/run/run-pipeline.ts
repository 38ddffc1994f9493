// One pipeline run end to end: orchestrated steps, a summary, and the notifications.
import type { Logger } from '../../core/logger.ts';
import { notifyAll } from '../../core/notify/notifiers.ts';
import type { Notifier } from '../../core/notify/types.ts';
import type { PipelineConfig } from './config.ts';
import { runNotification } from './messages.ts';
import { orchestrate } from './orchestrate.ts';
import { createRunSteps } from './steps.ts';
import { summarize, type RunSummary } from './summary.ts';
import type { PipelineDeps } from './types.ts';

export interface RunPipelineOptions {
  deps: PipelineDeps;
  logger: Logger;
  notifiers: Notifier[];
  fromFile?: string;
  /** Aborting stops the run at the next step boundary (never in the middle of a publish). */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

export async function runPipeline(cfg: PipelineConfig, opts: RunPipelineOptions): Promise<RunSummary> {
  const logger = opts.logger;
  const steps = createRunSteps(cfg, { deps: opts.deps, logger, fromFile: opts.fromFile, sleep: opts.sleep });
  logger.info('run starting', { workdir: cfg.workdir, source: opts.fromFile ?? `kafka:${cfg.kafka.topic}` });
  const outcome = await orchestrate(steps, {
    signal: opts.signal,
    onStepStart: (step) => logger.info('step started', { step }),
    onStepEnd: (t, error) =>
      error
        ? logger.error('step failed', { step: t.step, seconds: round(t.seconds), error: error.message })
        : logger.info('step done', { step: t.step, seconds: round(t.seconds) }),
  });
  const summary = summarize(outcome, cfg.gateRmse);
  const fields = {
    status: summary.status,
    version: summary.version,
    rmse: summary.rmse === undefined ? undefined : round(summary.rmse),
    ndcg_at_20: summary.ranking?.ndcgAt20 == null ? undefined : round(summary.ranking.ndcgAt20),
    relative_gate: summary.relativeGate?.decision,
    refused_by: summary.refusedBy?.join(','),
    step: summary.failedStep,
    error: summary.error,
    commit: summary.commit,
    seconds: round(summary.seconds),
  };
  if (summary.status === 'published') logger.info('run finished', fields);
  else if (summary.status === 'gate-failed') logger.warn('run stopped by the gate', fields);
  else logger.error('run failed', { ...fields, rolled_back: summary.rolledBack, cleanup_errors: summary.cleanupErrors });

  await notifyAll(opts.notifiers, runNotification(summary), logger.child('notify'), cfg.notify.timeoutMs + 5_000);
  return summary;
}

const round = (v: number) => Number(v.toFixed(3));
