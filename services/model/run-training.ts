// The whole offline job behind `npm run train` and the pipeline: read, split, train,
// evaluate, save. Two models: the rating model (biased MF by SGD, ratings only; the RMSE gate is
// on it) and the ranking model (implicit ALS on ratings and watches; the service serves its lists).
// Progress goes to `onProgress`, one line per step, epoch and sweep.
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { md5File } from '../core/hash.ts';
import { parseModelVersion } from '../core/model-version.ts';
import { loadArtifact, MODEL_FILE, RATING_MODEL_FILE, saveArtifact } from './artifact.ts';
import { compareRanking, evaluateRanking, ratingError, type RankingComparison } from './evaluate.ts';
import { resolveIalsParams, type IalsParams } from './ials.ts';
import { mergeInteractions, readWatchesFile, type Interaction, type Watch } from './interactions.ts';
import { resolveParams } from './params.ts';
import { trainRankingModel, withSeen, type RankingModel } from './ranking-model.ts';
import { readRatingsFile, type ReadResult, type Rating } from './readers.ts';
import { heldOutPair, splitByPair, splitByTime, splitRatingsAndWatches } from './split.ts';
import { trainModel } from './train.ts';
import type { EvalMetrics, Manifest, Model, TrainParams } from './types.ts';

export interface RunTrainingOptions {
  /** Ratings file (clean CSV, u.data or ratings.csv; detected from its first line). */
  ratings: string;
  /** A separate test file; otherwise a seeded `holdout` fraction (default 0.2) of `ratings`. */
  test?: string;
  holdout?: number;
  /**
   * How the hold-out is drawn: `rows` (default) a seeded permutation of the rows, exactly
   * round(fraction × n) of them; `pairs` a seeded hash per (user, movie) pair, so that a pair stays
   * on its side as the data grows (the pipeline: see split.ts#heldOutPair).
   */
  split?: 'rows' | 'pairs';
  /** Model folder to write (model.bin + rating.bin + manifest.json). */
  out: string;
  /** The rating model's (biased MF by SGD) parameters. */
  params?: Partial<TrainParams>;
  /** The ranking model's (implicit ALS) parameters. */
  ranking?: Partial<IalsParams>;
  /** Worker threads of the ranking model's training (default: up to 2, one per core). The model is the
   * same bit for bit whatever the count. */
  rankingThreads?: number;
  /** Model version recorded in the manifest; default the name of the `out` folder. */
  version?: string;
  /** Items users watched without rating, to keep out of their recommendations. */
  extraSeen?: Array<{ user: number; movie: string }>;
  /**
   * Watches the ranking model learns from: the clean watches CSV (`user_id,movie_id,minutes,last_seen`)
   * or rows. With a hold-out, watches of unrated pairs are held out in the same fraction and count
   * as relevant in the ranking metrics (so watch-only users are evaluated too).
   */
  watches?: string | Watch[];
  /** Evaluation protocols: 'random' (the hold-out above, always) and 'time' (each user's latest 20 %
   * held out; trains both models once more, for the figures only). Default ['random']. */
  protocols?: Array<'random' | 'time'>;
  /** Half-life (days) of the cold-start chart's decay (default 7). */
  popularityHalfLifeDays?: number;
  /**
   * Artifact folder of the model in production. When given, the result carries `comparison`: the
   * per-user nDCG@20 of the new served model and of that one on the same held-out users.
   */
  baseline?: string;
  /** Most held-out users in `comparison` (default 2000). */
  compareMaxUsers?: number;
  onProgress?: (msg: string) => void;
}

export interface RunTrainingResult {
  manifest: Manifest;
  /** Rating model's RMSE/MAE, served (ranking) model's list metrics, and `timeSplit` when measured. */
  metrics: EvalMetrics;
  nTrain: number;
  nTest: number;
  /** Both models' training time. */
  trainSeconds: number;
  /** With `baseline`: candidate vs production on the same held-out users. */
  comparison?: RankingComparison & { baselineVersion: string };
}

/** Bad rows shown in progress output per file; all of them are counted. */
const SHOWN_ROW_ERRORS = 5;

export async function runTraining(opts: RunTrainingOptions): Promise<RunTrainingResult> {
  const progress = opts.onProgress ?? (() => {});
  // Checked before training, not when the manifest is read back minutes later.
  const version = parseModelVersion(opts.version ?? basename(resolve(opts.out)), 'model version (--version, default the --out folder name)');
  if (opts.test !== undefined && opts.holdout !== undefined) throw new RangeError('give either a test file or a hold-out fraction, not both');
  const params = resolveParams(opts.params);
  const rankingParams = resolveIalsParams(opts.ranking);
  const range = { ratingMin: params.ratingMin, ratingMax: params.ratingMax, timestamps: true };

  const read = async (path: string): Promise<Rating[]> => {
    const t0 = performance.now();
    const result = await readRatingsFile(path, range);
    progress(`read ${result.rows.length} ratings from ${path} in ${secs(t0)} s${result.bad ? `, skipped ${result.bad} bad rows` : ''}`);
    reportBadRows(result, progress);
    return result.rows;
  };
  const readWatches = async (): Promise<{ rows: Watch[]; md5?: string }> => {
    if (opts.watches === undefined) return { rows: [] };
    if (typeof opts.watches !== 'string') return { rows: opts.watches };
    const [w, md5] = await Promise.all([readWatchesFile(opts.watches), md5File(opts.watches)]);
    progress(`read ${w.rows.length} watches from ${opts.watches}${w.bad ? `, skipped ${w.bad} bad rows` : ''}`);
    return { rows: w.rows, md5 };
  };

  const [rows, dataMd5, watched] = await Promise.all([read(opts.ratings), md5File(opts.ratings), readWatches()]);
  let train: Rating[];
  let test: Rating[];
  let trainWatches: Watch[];
  let testWatches: Watch[] = [];
  if (opts.test !== undefined) {
    train = rows;
    test = await read(opts.test);
    trainWatches = watched.rows;
  } else {
    const fraction = opts.holdout ?? 0.2;
    ({ train, test, trainWatches, testWatches } =
      opts.split === 'pairs'
        ? splitByPair(rows, watched.rows, fraction, params.seed)
        : splitRatingsAndWatches(rows, watched.rows, fraction, params.seed));
    progress(
      `held out ${test.length} of ${rows.length} ratings` +
        (watched.rows.length ? ` and ${testWatches.length} of ${watched.rows.length} watches` : '') +
        ` (${fraction}${opts.split === 'pairs' ? ', by pair' : ''}) for testing, seed ${params.seed}`,
    );
  }
  if (train.length === 0) throw new RangeError(`no usable training ratings in ${opts.ratings}`);
  if (test.length === 0) throw new RangeError('the test set is empty; nothing to evaluate the model on');

  const trained = await trainBoth(train, trainWatches, params, rankingParams, opts, progress, '');
  const t1 = performance.now();
  const heldOut = mergeInteractions(test, testWatches);
  const metrics = evaluateBoth(trained, test, heldOut);
  progress(`evaluated on ${test.length} ratings, ${heldOut.length} interactions in ${secs(t1)} s: ${describe(metrics)}`);

  if (opts.protocols?.includes('time')) {
    if (opts.test !== undefined) progress('time split skipped: a separate test file was given');
    else {
      const all = mergeInteractions(rows, watched.rows);
      const timed = all.filter((x) => x.at !== undefined).length;
      if (timed < all.length) progress(`time split skipped: ${all.length - timed} of ${all.length} interactions have no time`);
      else {
        const split = splitByTime(all, opts.holdout ?? 0.2);
        const ratingsOf = (xs: Interaction[]) =>
          xs.filter((x) => x.rating !== undefined).map((x): Rating => ({ user: x.user, movie: x.movie, rating: x.rating!, at: x.at }));
        const watchesOf = (xs: Interaction[]) =>
          xs.filter((x) => x.minutes !== undefined).map((x): Watch => ({ user: x.user, movie: x.movie, minutes: x.minutes!, at: x.at }));
        progress(`time split: ${split.test.length} of ${all.length} interactions (each user's latest) held out`);
        const timeTrained = await trainBoth(ratingsOf(split.train), watchesOf(split.train), params, rankingParams, opts, progress, 'time split: ');
        const timeTest = ratingsOf(split.test);
        metrics.timeSplit = evaluateBoth(timeTrained, timeTest, split.test);
        progress(`time split: ${describe(metrics.timeSplit)}`);
      }
    }
  }

  let comparison: RunTrainingResult['comparison'];
  if (opts.baseline !== undefined) {
    const t2 = performance.now();
    const base = await loadArtifact(opts.baseline);
    const h = base.manifest.holdout;
    const c = compareRanking(trained.ranking.model, base.model, heldOut, {
      maxUsers: opts.compareMaxUsers,
      seed: params.seed,
      ...(h?.split === 'pairs' ? { heldOutByBaseline: (user: number, movie: string) => heldOutPair(user, movie, h.fraction, h.seed) } : {}),
    });
    comparison = { ...c, baselineVersion: base.manifest.version };
    progress(
      `compared with ${opts.baseline} (version ${base.manifest.version}) on ${c.users.length} held-out users in ${secs(t2)} s: ` +
        `nDCG@20 ${c.candidateMean.toFixed(4)} (new) vs ${c.baselineMean.toFixed(4)} (production)`,
    );
  }

  // Evaluated (and compared) on what it had not seen; shipped knowing every interaction, so the
  // service never offers a movie the user already rated or watched in the held-out part.
  const served = withSeen(trained.ranking.model, heldOut);
  const manifest = await saveArtifact(opts.out, served, {
    version,
    metrics,
    data: {
      md5: dataMd5,
      path: opts.ratings,
      ratings: rows.length,
      ...(watched.rows.length ? { watches: watched.rows.length } : {}),
      ...(watched.md5 ? { watchesMd5: watched.md5 } : {}),
    },
    counts: { train: train.length + trainWatches.length, test: test.length + testWatches.length },
    ...(opts.test === undefined ? { holdout: { split: opts.split ?? 'rows', fraction: opts.holdout ?? 0.2, seed: params.seed } } : {}),
    trainSeconds: trained.seconds,
    rating: trained.rating,
    ranking: { kind: 'ials', params: rankingParams },
  });
  progress(
    `wrote ${opts.out} (version ${manifest.version}: ${MODEL_FILE} ${manifest.artifact.size} bytes, md5 ${manifest.artifact.md5}; ` +
      `${RATING_MODEL_FILE} ${manifest.ratingArtifact!.size} bytes, md5 ${manifest.ratingArtifact!.md5})`,
  );
  return { manifest, metrics, nTrain: train.length, nTest: test.length, trainSeconds: trained.seconds, comparison };
}

interface TrainedPair {
  rating: Model;
  ranking: RankingModel;
  seconds: number;
}

/** Train the rating model (ratings only) and the ranking model (ratings and watches). */
async function trainBoth(
  train: Rating[],
  watches: Watch[],
  params: TrainParams,
  rankingParams: IalsParams,
  opts: RunTrainingOptions,
  progress: (msg: string) => void,
  prefix: string,
): Promise<TrainedPair> {
  const watchedPairs = watches.map((w) => ({ user: w.user, movie: w.movie }));
  const extraSeen = [...(opts.extraSeen ?? []), ...watchedPairs];
  progress(`${prefix}rating model (biased MF): ${train.length} ratings, ${params.factors} factors, ${params.epochs} epochs, ${params.threads} thread(s)`);
  const t0 = performance.now();
  const rating = await trainModel(train, params, {
    onEpoch: (epoch, rmse) => progress(`${prefix}epoch ${epoch}/${params.epochs} train RMSE ${rmse.toFixed(4)} (${secs(t0)} s)`),
    extraSeen: extraSeen.length ? extraSeen : undefined,
  });
  const interactions = mergeInteractions(train, watches);
  const p = rankingParams;
  progress(`${prefix}ranking model (implicit ALS): ${interactions.length} interactions, ${p.factors} factors, alpha ${p.alpha}, lambda ${p.lambda}, ${p.iterations} sweeps of ${p.cgSteps} CG steps`);
  const t1 = performance.now();
  const ranking = await trainRankingModel(interactions, p, {
    extraSeen: opts.extraSeen,
    popularityHalfLifeDays: opts.popularityHalfLifeDays,
    threads: opts.rankingThreads ?? Math.min(2, availableParallelism()),
    onIteration: (it) =>
      progress(`${prefix}sweep ${it.iteration}/${it.iterations} (${secs(t1)} s; CG residual users ${it.userResidual.toFixed(3)}, items ${it.itemResidual.toFixed(3)})`),
  });
  return { rating, ranking, seconds: (performance.now() - t0) / 1000 };
}

function evaluateBoth(trained: TrainedPair, ratingTest: Rating[], heldOut: Interaction[]): EvalMetrics {
  const metrics: EvalMetrics = ratingTest.length ? ratingError(trained.rating, ratingTest) : { rmse: NaN, mae: NaN };
  const r = evaluateRanking(trained.ranking.model, heldOut);
  if (r.users > 0) {
    Object.assign(metrics, {
      precisionAt20: r.precisionAt20,
      recallAt20: r.recallAt20,
      ndcgAt20: r.ndcgAt20,
      rankingUsers: r.users,
      coverage: r.coverage,
      popularityPercentile: r.popularityPercentile,
      gini: r.gini,
    });
  }
  return metrics;
}

function describe(m: EvalMetrics): string {
  return (
    `RMSE ${m.rmse.toFixed(4)} MAE ${m.mae.toFixed(4)}` +
    (m.ndcgAt20 !== undefined
      ? ` | served lists: P@20 ${m.precisionAt20!.toFixed(4)} R@20 ${m.recallAt20!.toFixed(4)} nDCG@20 ${m.ndcgAt20.toFixed(4)}` +
        ` coverage ${m.coverage!.toFixed(4)} popularity pct ${m.popularityPercentile!.toFixed(3)} Gini ${m.gini!.toFixed(3)} (${m.rankingUsers} users)`
      : '')
  );
}

function reportBadRows(result: ReadResult, progress: (msg: string) => void): void {
  for (const e of result.errors.slice(0, SHOWN_ROW_ERRORS)) progress(`  bad row ${e.file}:${e.line}: ${e.reason}`);
  if (result.bad > SHOWN_ROW_ERRORS) progress(`  ... and ${result.bad - SHOWN_ROW_ERRORS} more bad rows`);
}

function secs(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(2);
}
