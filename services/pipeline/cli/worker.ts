// `npm run worker`: the pipeline on a cron schedule (PIPELINE_CRON, default every 2 days at 03:00).
// SIGTERM/SIGINT stop scheduling and let a running run finish or abort within a bound; exit 0.
// A second signal exits at once. Bad configuration (a metrics port in use too) exits 2 with a message
// naming the variable.
// Prometheus metrics on WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics (worker-metrics.ts), with
// the feedback-loop gauges per model version (feedback/monitor.ts, FEEDBACK_* settings).
import { Registry } from 'prom-client';
import { UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { loadConfig } from '../../core/config.ts';
import { MarqueeError } from '../../core/errors.ts';
import { createPool } from '../../core/db/connection.ts';
import { createLogger } from '../../core/logger.ts';
import { createNotifiers } from '../../core/notify/notifiers.ts';
import { loadAll, loadPipelineConfig } from '../run/config.ts';
import { defaultDeps } from '../run/deps.ts';
import { runPipeline } from '../run/run-pipeline.ts';
import { createFeedbackMetrics } from '../../release/online/feedback-metrics.ts';
import { readServedLists } from '../../release/online/reccom-reader.ts';
import { feedbackEnvShape } from '../feedback/config.ts';
import { createFeedbackMonitor } from '../feedback/monitor.ts';
import { createWorker, workerEnvShape } from '../worker.ts';
import { createWorkerMetrics, runSucceeded, serveMetrics, workerMetricsEnvShape } from '../worker-metrics.ts';

const USAGE = 'usage: npm run worker   (no arguments: environment variables PIPELINE_CRON, ..., see services/pipeline/run/README.md)';

/** Starts the worker; resolves with the exit status once a signal has stopped it. */
async function main(argv: string[]): Promise<number> {
  if (argv.length) throw new UsageError('takes no arguments; configure it with environment variables (PIPELINE_CRON, ...)');
  // Both parsed before reporting, so every bad variable is named at once.
  const [pipelineCfg, workerCfg] = loadAll(
    () => loadPipelineConfig(),
    () => loadConfig({ ...workerEnvShape, ...workerMetricsEnvShape, ...feedbackEnvShape }),
  );
  const logger = createLogger('worker', { file: pipelineCfg.logFile });
  const notifiers = createNotifiers(pipelineCfg.notify, logger.child('notify'));
  const registry = new Registry();
  const metrics = createWorkerMetrics(registry);
  // The lineage database's settings; one connection is enough for a query a minute.
  const feedbackPool = createPool(pipelineCfg.mysql, 1);
  const feedback = createFeedbackMonitor({
    windowMs: workerCfg.FEEDBACK_WINDOW_MS,
    bucketMs: workerCfg.FEEDBACK_BUCKET_MS,
    maxWatches: workerCfg.FEEDBACK_MAX_WATCHES,
    readServed: (from, to) => readServedLists(feedbackPool, { from, to, groupBy: 'version' }),
    metrics: createFeedbackMetrics(registry),
    logger: logger.child('feedback'),
    parse: pipelineCfg.parse,
  });
  const deps = { ...defaultDeps, ingest: ((source, opts) => defaultDeps.ingest(source, { ...opts, onLines: feedback.onLines })) as typeof defaultDeps.ingest };
  const worker = createWorker({
    cron: workerCfg.PIPELINE_CRON,
    runOnStart: workerCfg.PIPELINE_RUN_ON_START,
    stopGraceMs: workerCfg.PIPELINE_STOP_GRACE_MS,
    abortGraceMs: workerCfg.PIPELINE_ABORT_GRACE_MS,
    logger,
    runOnce: (signal) => runPipeline(pipelineCfg, { deps, logger: logger.child('run'), notifiers, signal }),
    onRunEnd: (result, error) => {
      metrics.runEnded(runSucceeded(result, error));
      void feedback.refresh();
    },
  });
  if (workerCfg.WORKER_METRICS_PORT > 0) {
    const where = `${workerCfg.WORKER_METRICS_HOST}:${workerCfg.WORKER_METRICS_PORT}`;
    // A port clash is a deployment error: say so rather than run unobserved.
    const served = await serveMetrics(registry, workerCfg.WORKER_METRICS_HOST, workerCfg.WORKER_METRICS_PORT).catch((err: unknown) => {
      throw new MarqueeError('CONFIG', `cannot serve metrics on ${where} (WORKER_METRICS_PORT): ${(err as Error).message}`, { cause: err });
    });
    logger.info('metrics served', { host: workerCfg.WORKER_METRICS_HOST, port: served.port, path: '/metrics' });
  }

  return new Promise<number>((stopped) => {
    let signalled = false;
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        if (signalled) {
          logger.error('second signal: exiting now', { signal: sig });
          process.exit(1);
        }
        signalled = true;
        logger.info('signal received: shutting down', { signal: sig });
        void worker.stop().then((result) => stopped(result === 'timeout' ? 1 : 0));
      });
    }
    worker.start();
    feedback.every(workerCfg.FEEDBACK_INTERVAL_MS);
  });
}

runCli('worker', USAGE, main);
