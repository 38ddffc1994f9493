// The whole offline job behind `npm run train` and the pipeline: read, split, train,
// evaluate, save. Progress goes to `onProgress`, one line per step and per epoch.
import { basename, resolve } from 'node:path';
import { md5File } from '../core/hash.ts';
import { parseModelVersion } from '../core/model-version.ts';
import { saveArtifact } from './artifact.ts';
import { evaluate } from './evaluate.ts';
import { resolveParams } from './params.ts';
import { readRatingsFile, type ReadResult, type RatingRow } from './readers.ts';
import { splitHoldout } from './split.ts';
import { trainModel } from './train.ts';
import type { EvalMetrics, Manifest, TrainParams } from './types.ts';

export interface RunTrainingOptions {
  /** Ratings file (clean CSV, u.data or ratings.csv; detected from its first line). */
  ratings: string;
  /** A separate test file; otherwise a seeded `holdout` fraction (default 0.2) of `ratings`. */
  test?: string;
  holdout?: number;
  /** Model folder to write (model.bin + manifest.json). */
  out: string;
  params?: Partial<TrainParams>;
  /** Model version recorded in the manifest; default the name of the `out` folder. */
  version?: string;
  /** Items users watched without rating, to keep out of their recommendations. */
  extraSeen?: Array<{ user: number; item: string }>;
  onProgress?: (msg: string) => void;
}

export interface RunTrainingResult {
  manifest: Manifest;
  metrics: EvalMetrics;
  nTrain: number;
  nTest: number;
  trainSeconds: number;
}

/** Bad rows shown in progress output per file; all of them are counted. */
const SHOWN_ROW_ERRORS = 5;

export async function runTraining(opts: RunTrainingOptions): Promise<RunTrainingResult> {
  const progress = opts.onProgress ?? (() => {});
  // Checked before training, not when the manifest is read back minutes later.
  const version = parseModelVersion(opts.version ?? basename(resolve(opts.out)), 'model version (--version, default the --out folder name)');
  if (opts.test !== undefined && opts.holdout !== undefined) throw new RangeError('give either a test file or a hold-out fraction, not both');
  const params = resolveParams(opts.params);
  const range = { ratingMin: params.ratingMin, ratingMax: params.ratingMax };

  const read = async (path: string): Promise<RatingRow[]> => {
    const t0 = performance.now();
    const result = await readRatingsFile(path, range);
    progress(`read ${result.rows.length} ratings from ${path} in ${secs(t0)} s${result.bad ? `, skipped ${result.bad} bad rows` : ''}`);
    reportBadRows(result, progress);
    return result.rows;
  };

  const [rows, dataMd5] = await Promise.all([read(opts.ratings), md5File(opts.ratings)]);
  let train: RatingRow[];
  let test: RatingRow[];
  if (opts.test !== undefined) {
    train = rows;
    test = await read(opts.test);
  } else {
    const fraction = opts.holdout ?? 0.2;
    ({ train, test } = splitHoldout(rows, fraction, params.seed));
    progress(`held out ${test.length} of ${rows.length} ratings (${fraction}) for testing, seed ${params.seed}`);
  }
  if (train.length === 0) throw new RangeError(`no usable training ratings in ${opts.ratings}`);
  if (test.length === 0) throw new RangeError('the test set is empty; nothing to evaluate the model on');

  progress(`training: ${train.length} ratings, ${params.factors} factors, ${params.epochs} epochs, ${params.threads} thread(s)`);
  const t0 = performance.now();
  const model = await trainModel(train, params, {
    onEpoch: (epoch, rmse) => progress(`epoch ${epoch}/${params.epochs} train RMSE ${rmse.toFixed(4)} (${secs(t0)} s)`),
    extraSeen: opts.extraSeen,
  });
  const trainSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const metrics = evaluate(model, test);
  progress(
    `evaluated on ${test.length} ratings in ${secs(t1)} s: RMSE ${metrics.rmse.toFixed(4)} MAE ${metrics.mae.toFixed(4)}` +
      (metrics.precisionAt20 !== undefined
        ? ` P@20 ${metrics.precisionAt20.toFixed(4)} R@20 ${metrics.recallAt20!.toFixed(4)} nDCG@20 ${metrics.ndcgAt20!.toFixed(4)}`
        : ''),
  );

  const manifest = await saveArtifact(opts.out, model, {
    version,
    metrics,
    data: { md5: dataMd5, path: opts.ratings, ratings: rows.length },
    counts: { train: train.length, test: test.length },
    trainSeconds,
  });
  progress(`wrote ${opts.out} (version ${manifest.version}, ${manifest.artifact.size} bytes, md5 ${manifest.artifact.md5})`);
  return { manifest, metrics, nTrain: train.length, nTest: test.length, trainSeconds };
}

function reportBadRows(result: ReadResult, progress: (msg: string) => void): void {
  for (const e of result.errors.slice(0, SHOWN_ROW_ERRORS)) progress(`  bad row ${e.file}:${e.line}: ${e.reason}`);
  if (result.bad > SHOWN_ROW_ERRORS) progress(`  ... and ${result.bad - SHOWN_ROW_ERRORS} more bad rows`);
}

function secs(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}
