// `npm run train -- --ratings FILE (--test FILE | --holdout 0.2) --out DIR [options] [--json]`
// Progress goes to stderr; the metrics to stdout (with --json, the last stdout line is one JSON object).
// Exit codes: 0 done, 2 usage error, 1 training failed.
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseArgs, UsageError } from '../../core/args.ts';
import { runCli } from '../../core/cli.ts';
import { modelVersionSchema } from '../../core/model-version.ts';
import { MAX_THREADS } from '../params.ts';
import { runTraining } from '../run-training.ts';
import type { EvalMetrics, TrainParams } from '../types.ts';

const USAGE = `usage: npm run train -- --ratings FILE (--test FILE | --holdout FRACTION) --out DIR
         [--watches FILE] [--protocols random|random,time] [--baseline DIR] [--version V] [--json]
         rating model:  [--factors N] [--epochs N] [--lr X] [--reg X] [--seed N] [--threads N|auto]
                        [--rating-min X] [--rating-max X]
         ranking model: [--rank-factors N] [--rank-iterations N] [--rank-alpha X] [--rank-lambda X]
                        [--rank-cg-steps N] [--rank-threads N] [--popularity-half-life DAYS]
  Trains both models the pipeline ships: the ranking model (implicit ALS on ratings and watches;
  the service serves its lists, model.bin) and the rating model (biased MF by SGD, rating.bin).
  --ratings     training ratings: clean CSV (user_id,movie_id,rating,timestamp), MovieLens u.data or ratings.csv
  --watches     clean watches CSV (user_id,movie_id,minutes,last_seen) for the ranking model
  --test        separate test ratings file
  --holdout     fraction of --ratings (and --watches) held out for testing (seeded by --seed), e.g. 0.2
  --protocols   'random' (the hold-out) and optionally 'time' (each user's latest 20 % held out); default random,time
  --baseline    model folder of the model in production: compare nDCG@20 per user on the same held-out users
  --out         model folder to write (model.bin + rating.bin + manifest.json)
  --threads     SGD threads (default 1 = reproducible; 'auto' = one per core, Hogwild)
  --rank-threads  iALS threads (default: up to 2; the model is the same whatever the count)
  --version     version recorded in the manifest (default: the --out folder's name)
  --json        print the result as one JSON line on stdout`;

const SPEC = {
  ratings: 'string',
  test: 'string',
  holdout: 'string',
  out: 'string',
  factors: 'string',
  epochs: 'string',
  lr: 'string',
  reg: 'string',
  seed: 'string',
  threads: 'string',
  'rating-min': 'string',
  'rating-max': 'string',
  version: 'string',
  watches: 'string',
  protocols: 'string',
  baseline: 'string',
  'rank-factors': 'string',
  'rank-iterations': 'string',
  'rank-alpha': 'string',
  'rank-lambda': 'string',
  'rank-cg-steps': 'string',
  'rank-threads': 'string',
  'popularity-half-life': 'string',
  json: 'boolean',
} as const;

/** A numeric flag: `what` completes the message "--flag must be ...". */
const numberArg = (what: string, ok: (v: number) => boolean = () => true) =>
  z
    .string()
    .refine((t) => t.trim() !== '' && Number.isFinite(Number(t)) && ok(Number(t)), `must be ${what}`)
    .transform(Number);
const intArg = (what: string, min: number, max = Number.MAX_SAFE_INTEGER) =>
  numberArg(what, (v) => Number.isInteger(v) && v >= min && v <= max);

const argsSchema = z
  .object({
    ratings: z.string({ error: 'is required (--ratings FILE)' }).min(1),
    test: z.string().min(1).optional(),
    holdout: numberArg('a fraction between 0 and 1 (exclusive)', (v) => v > 0 && v < 1).optional(),
    out: z.string({ error: 'is required (--out DIR)' }).min(1),
    factors: intArg('an integer >= 1', 1).optional(),
    epochs: intArg('an integer >= 0', 0).optional(),
    lr: numberArg('a positive number', (v) => v > 0).optional(),
    reg: numberArg('a number >= 0', (v) => v >= 0).optional(),
    seed: intArg('an integer in 0..4294967295', 0, 2 ** 32 - 1).optional(),
    threads: z
      .string()
      .refine((t) => t === 'auto' || (/^[0-9]+$/.test(t) && Number(t) >= 1 && Number(t) <= MAX_THREADS), `must be 'auto' or an integer in 1..${MAX_THREADS}`)
      .transform((t) => (t === 'auto' ? t : Number(t)))
      .optional(),
    'rating-min': numberArg('a number').optional(),
    'rating-max': numberArg('a number').optional(),
    version: modelVersionSchema.optional(),
    watches: z.string().min(1).optional(),
    protocols: z
      .string()
      .refine((t) => t.split(',').every((p) => p === 'random' || p === 'time'), "must be 'random', 'time' or both, comma-separated")
      .transform((t) => [...new Set(t.split(','))] as Array<'random' | 'time'>)
      .optional(),
    baseline: z.string().min(1).optional(),
    'rank-factors': intArg('an integer >= 1', 1).optional(),
    'rank-iterations': intArg('an integer >= 0', 0).optional(),
    'rank-alpha': numberArg('a number >= 0', (v) => v >= 0).optional(),
    'rank-lambda': numberArg('a number >= 0', (v) => v >= 0).optional(),
    'rank-cg-steps': intArg('an integer >= 1', 1).optional(),
    'rank-threads': intArg(`an integer in 1..${MAX_THREADS}`, 1, MAX_THREADS).optional(),
    'popularity-half-life': numberArg('a positive number of days', (v) => v > 0).optional(),
    json: z.boolean().optional(),
  })
  .refine((a) => (a.test === undefined) !== (a.holdout === undefined), { message: 'give exactly one of --test FILE or --holdout FRACTION' });

type Args = z.infer<typeof argsSchema>;

function parse(argv: string[]): Args {
  const raw = parseArgs(argv, SPEC);
  const parsed = argsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(parsed.error.issues.map((i) => (i.path.length ? `--${i.path.join('.')} ${i.message}` : i.message)).join('; '));
  }
  return parsed.data;
}

function paramsFrom(a: Args): Partial<TrainParams> {
  return {
    factors: a.factors,
    epochs: a.epochs,
    lr: a.lr,
    reg: a.reg,
    seed: a.seed,
    threads: a.threads === 'auto' ? Math.min(availableParallelism(), MAX_THREADS) : a.threads,
    ratingMin: a['rating-min'],
    ratingMax: a['rating-max'],
  };
}

async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  const result = await runTraining({
    ratings: args.ratings,
    test: args.test,
    holdout: args.holdout,
    out: args.out,
    params: paramsFrom(args),
    ranking: {
      factors: args['rank-factors'],
      iterations: args['rank-iterations'],
      alpha: args['rank-alpha'],
      lambda: args['rank-lambda'],
      cgSteps: args['rank-cg-steps'],
      seed: args.seed,
    },
    rankingThreads: args['rank-threads'],
    watches: args.watches,
    protocols: args.protocols ?? ['random', 'time'],
    popularityHalfLifeDays: args['popularity-half-life'],
    baseline: args.baseline,
    version: args.version,
    onProgress: (msg) => process.stderr.write(`${msg}\n`),
  });
  const m = result.metrics;
  const c = result.comparison;
  const summary = {
    ...snake(m),
    time_split: m.timeSplit ? snake(m.timeSplit) : null,
    baseline: c
      ? { version: c.baselineVersion, users: c.users.length, ndcg_at_20: c.baselineMean, candidate_ndcg_at_20: c.candidateMean }
      : null,
    train_seconds: result.trainSeconds,
    n_train: result.nTrain,
    n_test: result.nTest,
    artifact: args.out,
    model_md5: result.manifest.artifact.md5,
    rating_model_md5: result.manifest.ratingArtifact?.md5 ?? null,
    version: result.manifest.version,
  };
  if (args.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } else {
    const f = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
    process.stdout.write(
      `rating model: RMSE ${f(summary.rmse)}  MAE ${f(summary.mae)}\n` +
        `served lists (ranking model): P@20 ${f(summary.precision_at_20)}  R@20 ${f(summary.recall_at_20)}  nDCG@20 ${f(summary.ndcg_at_20)}  ` +
        `coverage ${f(summary.coverage)}  popularity pct ${f(summary.popularity_percentile)}  Gini ${f(summary.gini)}\n` +
        (summary.time_split ? `time split: RMSE ${f(summary.time_split.rmse)}  P@20 ${f(summary.time_split.precision_at_20)}  nDCG@20 ${f(summary.time_split.ndcg_at_20)}\n` : '') +
        `trained on ${summary.n_train} ratings in ${summary.train_seconds.toFixed(2)} s, tested on ${summary.n_test}; ` +
        `model ${summary.version} written to ${summary.artifact}\n`,
    );
  }
  return 0;
}

/** The metrics under the JSON output's snake_case names (null when not measured). */
function snake(m: Omit<EvalMetrics, 'timeSplit'>) {
  return {
    rmse: m.rmse,
    mae: m.mae,
    precision_at_20: m.precisionAt20 ?? null,
    recall_at_20: m.recallAt20 ?? null,
    ndcg_at_20: m.ndcgAt20 ?? null,
    coverage: m.coverage ?? null,
    popularity_percentile: m.popularityPercentile ?? null,
    gini: m.gini ?? null,
    ranking_users: m.rankingUsers ?? null,
  };
}

runCli('train', USAGE, main);
