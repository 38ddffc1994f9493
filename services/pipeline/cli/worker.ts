// `npm run worker`: the pipeline on a cron schedule (PIPELINE_CRON, default every 2 days at 03:00).
// SIGTERM/SIGINT stop scheduling and let a running run finish or abort within a bound; exit 0.
// A second signal exits at once. Bad configuration exits 2 with a message naming the variable.
// Prometheus metrics on WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics (worker-metrics.ts).
import { Registry } from 'prom-client';
import { ConfigError, exitOnConfigError, loadConfig } from '../../core/config.ts';
import { createLogger } from '../../core/logger.ts';
import { createNotifiers } from '../notify/notifiers.ts';
import { loadPipelineConfig } from '../run/config.ts';
import { defaultDeps } from '../run/deps.ts';
import { runPipeline } from '../run/run-pipeline.ts';
import { createWorker, workerEnvShape } from '../worker.ts';
import { createWorkerMetrics, runSucceeded, serveMetrics, workerMetricsEnvShape } from '../worker-metrics.ts';

if (process.argv.length > 2) {
  process.stderr.write('worker: takes no arguments; configure it with environment variables (PIPELINE_CRON, ...)\n');
  process.exit(2);
}

let cfg;
let workerCfg;
try {
  // Both parsed before reporting, so every bad variable is named at once.
  const issues: string[] = [];
  try {
    cfg = loadPipelineConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  try {
    workerCfg = loadConfig({ ...workerEnvShape, ...workerMetricsEnvShape });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    issues.push(...err.issues);
  }
  if (issues.length || !cfg || !workerCfg) throw new ConfigError(issues);
} catch (err) {
  exitOnConfigError(err, 'worker');
}

const pipelineCfg = cfg;
const logger = createLogger('worker', { file: pipelineCfg.logFile });
const notifiers = createNotifiers(pipelineCfg.notify, logger.child('notify'));
const registry = new Registry();
const metrics = createWorkerMetrics(registry);
const worker = createWorker({
  cron: workerCfg.PIPELINE_CRON,
  runOnStart: workerCfg.PIPELINE_RUN_ON_START,
  stopGraceMs: workerCfg.PIPELINE_STOP_GRACE_MS,
  abortGraceMs: workerCfg.PIPELINE_ABORT_GRACE_MS,
  logger,
  runOnce: (signal) => runPipeline(pipelineCfg, { deps: defaultDeps, logger: logger.child('run'), notifiers, signal }),
  onRunEnd: (result, error) => metrics.runEnded(runSucceeded(result, error)),
});
if (workerCfg.WORKER_METRICS_PORT > 0) {
  try {
    const served = await serveMetrics(registry, workerCfg.WORKER_METRICS_HOST, workerCfg.WORKER_METRICS_PORT);
    logger.info('metrics served', { host: workerCfg.WORKER_METRICS_HOST, port: served.port, path: '/metrics' });
  } catch (err) {
    // A port clash is a deployment error: say so rather than run unobserved.
    logger.error('cannot serve metrics (WORKER_METRICS_PORT)', { port: workerCfg.WORKER_METRICS_PORT, error: (err as Error).message });
    process.exit(1);
  }
}

let signalled = false;
for (const sig of ['SIGTERM', 'SIGINT'] as const) {
  process.on(sig, () => {
    if (signalled) {
      logger.error('second signal: exiting now', { signal: sig });
      process.exit(1);
    }
    signalled = true;
    logger.info('signal received: shutting down', { signal: sig });
    void worker.stop().then((result) => process.exit(result === 'timeout' ? 1 : 0));
  });
}
worker.start();
