// Ranking benchmark (`npm run bench -- ranking`): the served lists on MovieLens 100K, 80/20
// random splits with seeds 1..5, four rankers side by side on the same split each time:
//   - implicit ALS (the ranking model the service serves, defaults),
//   - the popularity chart (most-interacted-with movies the user has not seen),
//   - today's biased MF by SGD ranked by b_i + q_i·p_u (the rating model, defaults),
//   - EASE (Steck 2019, dense item-item closed form, lambda 250), as a reference; implemented
//     here only: its n_items² dense solve fits MovieLens, not a 27,000-movie catalogue.
// Protocol (services/model evaluateRanking): candidates are the movies a user did not rate in
// training, relevant are their held-out ratings >= 4, precision/recall/nDCG@20 averaged over
// held-out users with a relevant movie. Also the rating model's RMSE. Writes docs/charts/ranking.svg.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg } from '../../services/core/chart.ts';
import {
  defaultIalsParams,
  defaultParams,
  evaluate,
  evaluateRanking,
  readRatingsFile,
  splitHoldout,
  trainModel,
  trainRankingModel,
  type Model,
  type RankingMetrics,
  type Rating,
} from '../../services/model/index.ts';
import { median } from '../../services/core/stats.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ml100k = resolve(repoRoot, '../shared/data/movielens/ml-100k');
const SEEDS = [1, 2, 3, 4, 5];
const EASE_LAMBDA = 250;

const log = (msg: string) => process.stdout.write(`${msg}\n`);

/** The same ids and seen table as `model`, scoring by item bias = training interaction count. */
function popularityModel(model: Model, train: Rating[]): Model {
  const index = new Map(model.itemIds.map((id, i) => [id, i]));
  const count = new Float32Array(model.itemIds.length);
  for (const r of train) count[index.get(r.movie)!]++;
  return {
    ...model,
    params: { ...model.params, factors: 1 },
    userBias: new Float32Array(model.userIds.length),
    itemBias: count,
    userFactors: new Float32Array(model.userIds.length),
    itemFactors: new Float32Array(model.itemIds.length),
  };
}

/** In-place inverse of a symmetric positive definite n × n matrix (Gauss-Jordan, no pivoting needed). */
function invertSpd(A: Float64Array, n: number): void {
  for (let p = 0; p < n; p++) {
    const rowP = p * n;
    const inv = 1 / A[rowP + p];
    A[rowP + p] = 1;
    for (let j = 0; j < n; j++) A[rowP + j] *= inv;
    for (let i = 0; i < n; i++) {
      if (i === p) continue;
      const rowI = i * n;
      const f = A[rowI + p];
      if (f === 0) continue;
      A[rowI + p] = 0;
      for (let j = 0; j < n; j++) A[rowI + j] -= f * A[rowP + j];
    }
  }
}

/**
 * EASE: B = I - P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹, diag(B) = 0, scores X_u·B. Expressed as a
 * Model with one "factor" per movie (user row = X_u, item row = column of B), so it is ranked by
 * the same topNForUser and evaluated by the same code as the others.
 */
function easeModel(like: Model, lambda: number): Model {
  const nUsers = like.userIds.length;
  const n = like.itemIds.length;
  const G = new Float64Array(n * n);
  for (let u = 0; u < nUsers; u++) {
    const from = like.seenOffsets[u];
    const to = like.seenOffsets[u + 1];
    for (let a = from; a < to; a++) {
      const row = like.seenItems[a] * n;
      for (let b = from; b < to; b++) G[row + like.seenItems[b]] += 1;
    }
  }
  for (let i = 0; i < n; i++) G[i * n + i] += lambda;
  invertSpd(G, n);
  const itemFactors = new Float32Array(n * n);
  for (let j = 0; j < n; j++) {
    const pjj = G[j * n + j];
    // Item j's row holds column j of B: B_ij = -P_ij / P_jj (i != j), B_jj = 0.
    for (let i = 0; i < n; i++) itemFactors[j * n + i] = i === j ? 0 : -G[i * n + j] / pjj;
  }
  const userFactors = new Float32Array(nUsers * n);
  for (let u = 0; u < nUsers; u++) for (let a = like.seenOffsets[u]; a < like.seenOffsets[u + 1]; a++) userFactors[u * n + like.seenItems[a]] = 1;
  return { ...like, params: { ...like.params, factors: n }, userBias: new Float32Array(nUsers), itemBias: new Float32Array(n), userFactors, itemFactors };
}

interface Row {
  name: string;
  metrics: RankingMetrics[];
  seconds: number[];
}

export async function run(): Promise<void> {
  const all = (await readRatingsFile(join(ml100k, 'u.data'), { timestamps: true })).rows;
  log(`MovieLens 100K: ${all.length} ratings; 80/20 random splits, seeds ${SEEDS.join(', ')}`);
  log(`iALS ${JSON.stringify(defaultIalsParams)}; SVD ${defaultParams.factors} factors, ${defaultParams.epochs} epochs; EASE lambda ${EASE_LAMBDA}`);
  const rows: Row[] = ['iALS (served)', 'popularity', 'SVD (rating model)', `EASE (lambda ${EASE_LAMBDA})`].map((name) => ({ name, metrics: [], seconds: [] }));
  const rmse: number[] = [];
  for (const seed of SEEDS) {
    const { train, test } = splitHoldout(all, 0.2, seed);
    const timed = async <T>(f: () => Promise<T> | T): Promise<[T, number]> => {
      const t0 = performance.now();
      const out = await f();
      return [out, (performance.now() - t0) / 1000];
    };
    const [ials, ialsSeconds] = await timed(() => trainRankingModel(train, { seed }));
    const [svd, svdSeconds] = await timed(() => trainModel(train, { ...defaultParams, seed }));
    const pop = popularityModel(ials.model, train);
    const [ease, easeSeconds] = await timed(() => easeModel(ials.model, EASE_LAMBDA));
    const models: Array<[Model, number]> = [
      [ials.model, ialsSeconds],
      [pop, 0],
      [svd, svdSeconds],
      [ease, easeSeconds],
    ];
    models.forEach(([m, s], j) => {
      rows[j].metrics.push(evaluateRanking(m, test, { maxUsers: Infinity }));
      rows[j].seconds.push(s);
    });
    rmse.push(evaluate(svd, test, { maxRankingUsers: 0 }).rmse);
    log(
      `seed ${seed}: ` +
        rows.map((r) => `${r.name} P@20 ${r.metrics.at(-1)!.precisionAt20.toFixed(4)} nDCG@20 ${r.metrics.at(-1)!.ndcgAt20.toFixed(4)}`).join(' | ') +
        ` | SVD RMSE ${rmse.at(-1)!.toFixed(4)}`,
    );
  }

  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)}`;
  log('');
  log('| ranker | precision@20 median (min–max) | nDCG@20 median (min–max) | recall@20 median | coverage | popularity percentile | Gini | train s (median) |');
  log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    const f = (key: keyof RankingMetrics) => r.metrics.map((m) => m[key]);
    log(
      `| ${r.name} | ${median(f('precisionAt20')).toFixed(4)} (${spread(f('precisionAt20'))}) | ${median(f('ndcgAt20')).toFixed(4)} (${spread(f('ndcgAt20'))}) | ` +
        `${median(f('recallAt20')).toFixed(4)} | ${median(f('coverage')).toFixed(3)} | ${median(f('popularityPercentile')).toFixed(3)} | ${median(f('gini')).toFixed(3)} | ${median(r.seconds).toFixed(2)} |`,
    );
  }
  log(`rating model (biased MF by SGD, defaults) test RMSE: median ${median(rmse).toFixed(4)} (${spread(rmse)})`);
  const [ialsRow, , , easeRow] = rows;
  const wins = SEEDS.map((_, j) => ialsRow.metrics[j].ndcgAt20 >= easeRow.metrics[j].ndcgAt20 && ialsRow.metrics[j].precisionAt20 >= easeRow.metrics[j].precisionAt20);
  const ialsNdcg = median(ialsRow.metrics.map((m) => m.ndcgAt20));
  const ialsP = median(ialsRow.metrics.map((m) => m.precisionAt20));
  log(
    `targets: iALS >= EASE on both metrics in ${wins.filter(Boolean).length}/${SEEDS.length} seeds` +
      ` (medians nDCG@20 ${ialsNdcg.toFixed(4)} vs ${median(easeRow.metrics.map((m) => m.ndcgAt20)).toFixed(4)},` +
      ` P@20 ${ialsP.toFixed(4)} vs ${median(easeRow.metrics.map((m) => m.precisionAt20)).toFixed(4)});` +
      ` nDCG@20 >= 0.38: ${ialsNdcg >= 0.38 ? 'yes' : 'NO'}; P@20 >= 0.20: ${ialsP >= 0.2 ? 'yes' : 'NO'}`,
  );

  const chart = join(repoRoot, 'docs/charts/ranking.svg');
  mkdirSync(dirname(chart), { recursive: true });
  const bars = rows.flatMap((r) => [
    { label: `${r.name} nDCG@20`, value: median(r.metrics.map((m) => m.ndcgAt20)) },
    { label: `${r.name} P@20`, value: median(r.metrics.map((m) => m.precisionAt20)) },
  ]);
  writeFileSync(chart, barChartSvg(`MovieLens 100K 80/20: median of ${SEEDS.length} split seeds`, bars));
  log(`chart: ${chart}`);
}
