// The real step functions of a run, bound to a config and the other services' entry points.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../core/logger.ts';
import { WATCHES_FILE } from '../clean/store.ts';
import { insertTracking } from '../lineage/tracking.ts';
import { trackingRowFor } from '../lineage/tracking-row.ts';
import { createVersion, type Versioned } from '../version/create-version.ts';
import { commitAndPush, commitMessage, type Published } from '../version/git-publish.ts';
import { retry } from '../version/retry.ts';
import type { PipelineConfig } from './config.ts';
import { pairedScoresOf, rankingOf } from './evidence.ts';
import { runGate, type RunGateDecision } from './gate.ts';
import { checkNotShrunk } from './no-shrink.ts';
import type { RunSteps } from './orchestrate.ts';
import { prepare, releasePrepared } from './prepare.ts';
import { throttle } from './throttle.ts';
import { servedModel } from './served-model.ts';
import type { Collected, PipelineDeps, Prepared, Trained } from './types.ts';
import { readWatchInteractions } from './watches.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface StepOptions {
  deps: PipelineDeps;
  logger: Logger;
  /** Read this file of log lines instead of the Kafka topic. */
  fromFile?: string;
  /** Progress lines at most this often (default 5 s). */
  progressEveryMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

export type PipelineSteps = RunSteps<Prepared, Collected, Trained, Versioned, Published, RunGateDecision>;

export function createRunSteps(cfg: PipelineConfig, opts: StepOptions): PipelineSteps {
  const { deps, logger } = opts;
  const every = opts.progressEveryMs ?? 5_000;
  return {
    prepare: () => prepare(cfg, logger.child('prepare')),

    async collect(p) {
      const log = logger.child('collect');
      // Before reading: a short file must not get this window's data merged onto it.
      await checkNotShrunk(p.layout, p.previousVersion, [cfg.dvcRemote.dir]);
      const source = opts.fromFile
        ? deps.createFileSource(opts.fromFile)
        : deps.createKafkaSource({ ...cfg.kafka, logger: log.child('kafka') });
      log.info('collecting', opts.fromFile ? { file: opts.fromFile } : { topic: cfg.kafka.topic, window_ms: cfg.kafka.windowMs });
      const progress = throttle(every, (r: { lines: number; ratingsAdded: number }) =>
        log.info('progress', { lines: r.lines, ratings_added: r.ratingsAdded }),
      );
      const report = await deps.ingest(source, {
        dataDir: p.layout.dataDir,
        deadLetterPath: cfg.deadLetterPath,
        deadLetterLimits: cfg.deadLetterLimits,
        ratingScale: [cfg.parse.ratingMin, cfg.parse.ratingMax],
        maxUserId: cfg.parse.maxUserId,
        logger: log,
        onProgress: progress,
      });
      const rejected = Object.values(report.rejected).reduce((a, b) => a + b, 0);
      if (rejected > 0) log.warn('lines rejected', { count: rejected, dead_letter: cfg.deadLetterPath, reasons: report.rejected });
      if (!existsSync(p.layout.ratings)) throw new MarqueeError('INPUT', `no clean ratings at ${p.layout.ratings}: nothing to train on`);
      // After reading: the snapshot this run would version.
      const rows = await checkNotShrunk(p.layout, p.previousVersion, [cfg.dvcRemote.dir]);
      log.info('clean ratings', { rows: rows.rows, previous_version_rows: rows.previousRows ?? undefined });
      return { report, dataCreatedAt: new Date() };
    },

    async train(p) {
      const log = logger.child('train');
      const watches = readWatchInteractions(join(p.layout.dataDir, WATCHES_FILE));
      if (watches.bad) log.warn('unreadable rows in clean_watch.csv skipped', { rows: watches.bad });
      const served = await servedModel(p.layout, p.previousVersion, cfg.dvcRemote.dir, log);
      log.info('training', {
        version: p.version,
        holdout: cfg.holdout,
        params: cfg.trainParams,
        ranking: cfg.rankingParams,
        watches: watches.rows.length,
        compared_with: served?.version ?? 'none',
      });
      const result = await deps.runTraining({
        ratings: p.layout.ratings,
        watches: watches.rows,
        holdout: cfg.holdout,
        // By pair: successive runs hold out the same pairs, so the relative gate scores candidate
        // and served model on data neither trained on, also when the data grew (split.ts).
        split: 'pairs',
        out: p.stagingDir,
        params: cfg.trainParams,
        ranking: cfg.rankingParams,
        version: String(p.version),
        // Watched movies are interactions: the trainer marks them seen (held-out ones only after evaluation).
        baseline: served?.dir,
        // One line per training phase and epoch: few enough to log them all.
        onProgress: (msg) => log.info(msg),
      });
      const trained: Trained = { ...result, served };
      const ranking = rankingOf(trained);
      log.info('trained', {
        rmse: result.metrics.rmse,
        mae: result.metrics.mae,
        ndcg_at_20: ranking?.ndcgAt20 ?? undefined,
        train: result.nTrain,
        test: result.nTest,
        seconds: Number(result.trainSeconds.toFixed(2)),
      });
      return trained;
    },

    gate(t) {
      const decision = runGate(t.metrics.rmse, cfg.gateRmse, pairedScoresOf(t), cfg.relativeGate);
      const log = logger.child('gate');
      log[decision.rmse.pass ? 'info' : 'warn'](decision.rmse.pass ? 'RMSE gate passed' : 'RMSE gate failed', { reason: decision.rmse.reason });
      const r = decision.relative;
      log[r.pass ? 'info' : 'warn'](r.pass ? 'relative gate passed' : 'relative gate refused the candidate', {
        decision: r.decision,
        served_version: r.currentVersion ?? undefined,
        reason: r.reason,
      });
      return decision;
    },

    version: (p) =>
      createVersion({
        workdir: p.layout.root,
        version: p.version,
        stagingDir: p.stagingDir,
        remote: cfg.dvcRemote,
        logger: logger.child('version'),
      }),

    publish: (p, v) =>
      commitAndPush({
        workdir: p.layout.root,
        paths: v.paths,
        message: commitMessage(v.version),
        remote: cfg.git.remote,
        branch: cfg.git.branch,
        tries: cfg.git.tries,
        backoffMs: cfg.git.backoffMs,
        author: cfg.git.author,
        ssh: cfg.git.ssh,
        undo: v.undo,
        logger: logger.child('publish'),
        sleep: opts.sleep,
      }),

    async track(p, c, t, v, g, d) {
      const row = trackingRowFor({
        version: v.version,
        manifest: t.manifest,
        dataMd5: v.data.md5,
        modelMd5: v.model.md5,
        gitCommit: g.commit,
        dataCreatedAt: c.dataCreatedAt,
        holdout: cfg.holdout,
        ranking: rankingOf(t),
        gate: d.relative,
      });
      const log = logger.child('lineage');
      await retry(() => insertTracking(p.pool, row), {
        tries: 3,
        backoffMs: 500,
        sleep: opts.sleep,
        onRetry: (attempt, error) => log.warn('tracking insert failed; retrying', { attempt, error: error.message }),
      });
      v.undo.commit();
      log.info('tracking row written', { version: v.version, commit: g.commit });
    },

    async discard(p) {
      rmSync(p.stagingDir, { recursive: true, force: true });
    },

    async rollback(v) {
      const log = logger.child('rollback');
      log.warn('rolling back the version', { version: v.version, actions: v.undo.size });
      const failures = await v.undo.undo(log);
      if (failures.length === 0) log.info('rolled back', { version: v.version });
      return failures;
    },

    async finish(p) {
      await releasePrepared(p).catch((err: unknown) => logger.warn('clean-up failed', { error: (err as Error).message }));
    },
  };
}
