// Collect and clean: reads batches of raw log lines from a source, parses them, merges the cleaned
// rows into the clean store, dead-letters rejected lines, and only then acknowledges the batch
// (`batch.commit()`, which commits Kafka offsets). A crash at any point loses nothing (an
// unacknowledged batch comes again) and duplicates nothing (merging a batch twice changes nothing).
import { appendDeadLetters, type DeadLetterLimits } from './clean/dead-letter.ts';
import { appendRecommendations } from './clean/recommendations-log.ts';
import { addRate, addWatch, emptyBatch } from './clean/rows.ts';
import { CleanStore } from './clean/store.ts';
import { type Logger, silentLogger } from '../core/logger.ts';
import { parseLine } from './parse/line.ts';
import { makeParseOptions } from './parse/options.ts';
import type { ParseOptions, RecommendationEvent, RejectReason } from './parse/types.ts';
import type { IngestReport, LineSource } from './types.ts';

export interface IngestOptions {
  /** Folder of clean_rating.csv / clean_watch.csv. */
  dataDir: string;
  /** JSON-lines file of rejected lines (the project default is var/dead-letter.log); format in clean/dead-letter.ts. */
  deadLetterPath: string;
  /** Bounds of an entry and of the file (default DEFAULT_DEAD_LETTER_LIMITS). */
  deadLetterLimits?: DeadLetterLimits;
  /** Valid ratings, inclusive; default [1, 5]. */
  ratingScale?: [number, number];
  /** Largest valid user id; default 1,000,000. */
  maxUserId?: number;
  logger?: Logger;
  /** Called after every acknowledged batch with the running totals. */
  onProgress?: (report: IngestReport) => void;
  /**
   * Called with the raw lines of every acknowledged batch (the worker's feedback-loop monitor needs
   * each watched minute, which the clean store collapses). Must not throw.
   */
  onLines?: (lines: ReadonlyArray<string>) => void;
  /** When set, recommendation events are appended to this CSV (e.g. data/recommendations.csv). */
  recommendationsPath?: string;
  /** Stops after the batch in hand (which is finished and acknowledged), e.g. on SIGTERM. */
  signal?: AbortSignal;
}

export function emptyReport(): IngestReport {
  return {
    lines: 0,
    events: { watch: 0, rate: 0, recommendation: 0 },
    rejected: {},
    ratingsAdded: 0,
    ratingsUpdated: 0,
    watchesAdded: 0,
    seconds: 0,
  };
}

/** Parses and collapses one batch of lines (pure). */
export function cleanLines(lines: ReadonlyArray<string>, opts: ParseOptions) {
  const batch = emptyBatch();
  const rejected: Array<{ reason: RejectReason; line: string }> = [];
  const recommendations: RecommendationEvent[] = [];
  const events = { watch: 0, rate: 0, recommendation: 0 };
  for (const line of lines) {
    const r = parseLine(line, opts);
    switch (r.kind) {
      case 'watch':
        events.watch++;
        addWatch(batch, r);
        break;
      case 'rate':
        events.rate++;
        addRate(batch, r);
        break;
      case 'recommendation':
        events.recommendation++;
        recommendations.push(r);
        break;
      default:
        rejected.push({ reason: r.reason, line });
    }
  }
  return { batch, rejected, recommendations, events };
}

export async function ingest(source: LineSource, opts: IngestOptions): Promise<IngestReport> {
  const parseOpts = makeParseOptions(opts);
  const logger = opts.logger ?? silentLogger;
  const report = emptyReport();
  const started = performance.now();
  const store = CleanStore.open(opts.dataDir, { logger });
  let failed = false;
  let closeError: unknown = null;
  let inBatch = false;
  // Between batches the source may be waiting a long time for messages: end it. Within a batch,
  // let the batch finish and be acknowledged first.
  const onAbort = () => {
    if (!inBatch) void source.close();
  };
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const sourceBatch of source.batches()) {
      inBatch = true;
      const { batch, rejected, recommendations, events } = cleanLines(sourceBatch.lines, parseOpts);
      appendDeadLetters(opts.deadLetterPath, rejected, opts.deadLetterLimits);
      if (opts.recommendationsPath) appendRecommendations(opts.recommendationsPath, recommendations);
      const plan = store.merge(batch);
      await sourceBatch.commit();

      report.lines += sourceBatch.lines.length;
      report.events.watch += events.watch;
      report.events.rate += events.rate;
      report.events.recommendation += events.recommendation;
      for (const r of rejected) report.rejected[r.reason] = (report.rejected[r.reason] ?? 0) + 1;
      report.ratingsAdded += plan.ratingsAdded;
      report.ratingsUpdated += plan.ratingsUpdated;
      report.watchesAdded += plan.watchesAdded;
      report.seconds = (performance.now() - started) / 1000;
      logger.debug('batch ingested', { lines: sourceBatch.lines.length, rejected: rejected.length, ratingsChanged: plan.ratings.length });
      opts.onProgress?.(report);
      opts.onLines?.(sourceBatch.lines);
      inBatch = false;
      if (opts.signal?.aborted) break;
    }
  } catch (err) {
    failed = true;
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    try {
      store.close();
    } catch (err) {
      // Everything merged is already durable in the journal; the next open recovers it.
      if (failed) logger.error('could not compact the clean store after a failure', { error: err });
      else closeError = err;
    }
    await source.close();
  }
  if (closeError) throw closeError;
  report.seconds = (performance.now() - started) / 1000;
  logger.info('ingest done', {
    lines: report.lines,
    ...report.events,
    rejected: Object.values(report.rejected).reduce((a, b) => a + b, 0),
    ratingsAdded: report.ratingsAdded,
    ratingsUpdated: report.ratingsUpdated,
    watchesAdded: report.watchesAdded,
    seconds: Number(report.seconds.toFixed(2)),
  });
  return report;
}
