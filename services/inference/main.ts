// The inference service process: env -> listen (healthz at once) -> load the model (readyz) ->
// serve; SIGTERM/SIGINT stop accepting, drain in-flight requests, flush provenance, exit 0.
//   tsx services/inference/main.ts        (config from env: see config.ts)
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Registry } from 'prom-client';
import { exitOnError } from '../core/cli.ts';
import { createPool } from '../core/db/connection.ts';
import { checkSchema, MIGRATE_HINT } from '../core/db/schema-check.ts';
import { createLogger } from '../core/logger.ts';
import { createRankPool, createSimdRanker, loadArtifact, topNForUser, type RankPool } from '../model/index.ts';
import { createApp } from './app.ts';
import { loadInferenceConfig, type InferenceConfig } from './config.ts';
import { hostCpuPressure, type CpuPressure } from '../core/provenance/cpu-pressure.ts';
import { createProvenanceMetrics } from './metrics.ts';
import { ProvenanceRecorder } from './provenance/recorder.ts';
import { mysqlRowSink } from '../core/provenance/row-sink.ts';
import { createRecommender } from './recommender.ts';
import { warmUp } from './warm-up.ts';
import { Spool } from './provenance/spool.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** In-flight requests get this long to finish after a stop signal. */
const DRAIN_MS = 10_000;
/** Buffered provenance rows get this long to reach MySQL after the drain (Compose grace: 20 s). */
const FLUSH_MS = 8_000;

const log = createLogger('inference');

let config: InferenceConfig;
try {
  config = loadInferenceConfig(process.env, REPO_ROOT);
} catch (err) {
  exitOnError('inference', err);
}

const registry = new Registry();
let pool: RankPool | null = null;
// Registered even with provenance off, so dashboards see zeros rather than missing series.
const provenanceMetrics = createProvenanceMetrics(registry);
let recorder: ProvenanceRecorder | undefined;
let cpuPressure: CpuPressure | undefined;
if (config.provenance.enabled) {
  const p = config.provenance;
  const plog = log.child('provenance');
  cpuPressure =
    p.maxDeferMs > 0 ? hostCpuPressure({ threshold: p.deferCpu, onUnavailable: (reason) => plog.warn(reason) }) : undefined;
  const mysqlPool = createPool(p.mysql);
  // Segments close every 2 s (or 20,000 rows), so a written one is deleted soon after.
  let spool = p.spoolDir ? new Spool({ dir: p.spoolDir, groupMs: p.spoolGroupMs, segmentRows: 20_000, segmentMs: 2000, logger: plog }) : undefined;
  let replay: string[] = [];
  try {
    replay = spool?.open() ?? [];
  } catch (err) {
    // Serving matters more than the spool: go on with rows in memory only, and say so.
    plog.error('provenance spool unavailable: rows are kept in memory only until MySQL has them', { dir: p.spoolDir, error: err as Error });
    spool = undefined;
  }
  recorder = new ProvenanceRecorder({
    sink: mysqlRowSink(mysqlPool),
    metrics: provenanceMetrics,
    batchSize: p.batchSize,
    flushMs: p.flushMs,
    bufferMax: p.bufferMax,
    defer: cpuPressure ? { pressure: cpuPressure, maxDeferMs: p.maxDeferMs } : undefined,
    spool,
    logger: plog,
  });
  recorder.start();
  recorder.replay(replay);
  // Replicas do not migrate (their user may only INSERT reccom rows); the migration step does. A
  // missing schema or MySQL being down must not stop serving: it is logged and rows stay buffered
  // until the table is there.
  void checkSchema(mysqlPool).then((status) => {
    if (status.ok) plog.info('schema present');
    else plog.warn(`${status.reason}; ${MIGRATE_HINT}. Serving on; provenance rows stay buffered`);
  });
}

const app = createApp({
  track: config.track,
  replica: config.replica,
  registry,
  recorder,
  provenanceHeader: config.provenance.viaNginx,
  acceptWithinMs: config.provenance.acceptWithinMs,
  onAbandoned: () => provenanceMetrics.abandoned.inc(),
  testDelayMs: config.testDelayMs,
  logger: log,
});
const server: Server = createServer(app).listen(config.port, config.host);
server.on('listening', () => {
  const { port } = server.address() as AddressInfo;
  log.info('listening', { host: config.host, port, track: config.track, replica: config.replica, provenance: config.provenance.enabled ? 'on' : config.provenance.viaNginx ? 'nginx' : 'off' });
});
server.on('error', (err) => {
  log.error('server error', { error: err });
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info('stopping: draining in-flight requests', { signal });
  const closed = new Promise<boolean>((done) => server.close(() => done(true)));
  // Idle keep-alive connections would hold close() open; drop each as soon as it goes idle.
  server.closeIdleConnections();
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const drained = await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), DRAIN_MS).unref())]);
  clearInterval(idle);
  if (!drained) {
    log.warn('drain timed out; closing remaining connections', { afterMs: DRAIN_MS });
    server.closeAllConnections();
  }
  await pool?.close();
  if (recorder) {
    cpuPressure?.stop();
    const { left } = await recorder.close(FLUSH_MS);
    log.info('provenance flushed', { unwritten: left });
  }
  log.info('stopped');
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  const started = performance.now();
  const { model, manifest } = await loadArtifact(config.modelPath);
  // Cache misses go to worker threads running the SIMD kernel; without workers the kernel runs here.
  // Both rank exactly as topNForUser, which remains the fallback (odd factor counts, a dead worker).
  pool = createRankPool(model, config.rankWorkers, log.child('rank'));
  const simd = pool ? null : createSimdRanker(model);
  const recommender = createRecommender(model, {
    cacheSize: config.cacheSize,
    coldStartBelow: config.coldStartBelow,
    rank: simd ?? topNForUser,
    pool: pool ?? undefined,
    onPoolError: (err) => log.warn('off-thread ranking failed; ranked on the main thread', { error: err as Error }),
  });
  const loadMs = performance.now() - started;
  const warm = await warmUp(recommender, model.userIds, pool);
  app.setModel(recommender, manifest.version);
  log.info('model loaded; ready', {
    version: manifest.version,
    path: realpathSync(config.modelPath),
    users: model.userIds.length,
    items: model.itemIds.length,
    ranker: pool ? `wasm-simd-workers-${pool.workers}` : simd ? 'wasm-simd' : 'js',
    loadMs: Math.round(loadMs),
    warmUpMs: Math.round(warm.ms),
  });
} catch (err) {
  // A replica without a model cannot do its job: say why and let the supervisor see the failure
  // (unless it is already stopping, when shutdown() decides the exit).
  if (!stopping) {
    log.error('cannot load the model', { path: config.modelPath, error: err as Error });
    process.exit(1);
  }
}
