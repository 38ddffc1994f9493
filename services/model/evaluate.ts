// Offline evaluation: rating error (RMSE, MAE) over every held-out row and top-20 ranking
// quality over held-out users, ranking all items each user did not rate in training.
import { permutation, seedState } from './random.ts';
import { itemIndexOf, predict, topNForUser, userIndexOf } from './predict.ts';
import type { RatingRow } from './readers.ts';
import type { EvalMetrics, Model } from './types.ts';

export const RANK_CUTOFF = 20;
/** A held-out rating at or above this counts as relevant for the ranking metrics. */
export const RELEVANT_RATING = 4;
/** Ranking a user scores every item, so large test sets are ranked on a seeded sample of users. */
export const DEFAULT_MAX_RANKING_USERS = 1000;

export interface EvaluateOptions {
  maxRankingUsers?: number;
}

/**
 * precision@20 = hits/20, recall@20 = hits/relevant, nDCG@20 with binary gains, averaged over
 * held-out users the model knows who have at least one relevant rating. Relevant items the
 * model has never seen still count in recall's denominator (they can never be hit).
 */
export function evaluate(model: Model, test: RatingRow[], opts: EvaluateOptions = {}): EvalMetrics {
  if (test.length === 0) throw new RangeError('cannot evaluate on an empty test set');
  let se = 0;
  let ae = 0;
  for (const row of test) {
    const err = row.rating - predict(model, row.user, row.item);
    se += err * err;
    ae += Math.abs(err);
  }
  const metrics: EvalMetrics = { rmse: Math.sqrt(se / test.length), mae: ae / test.length };

  const relevantByUser = new Map<number, Set<string>>();
  for (const row of test) {
    if (row.rating < RELEVANT_RATING) continue;
    const u = userIndexOf(model, row.user);
    if (u < 0) continue;
    let list = relevantByUser.get(u);
    if (!list) relevantByUser.set(u, (list = new Set()));
    list.add(row.item);
  }
  let users = [...relevantByUser.keys()].sort((a, b) => a - b);
  const cap = opts.maxRankingUsers ?? DEFAULT_MAX_RANKING_USERS;
  if (users.length > cap) {
    const order = permutation(users.length, seedState(0x5eed, 3));
    users = Array.from(order.subarray(0, cap), (j) => users[j]).sort((a, b) => a - b);
  }
  if (users.length === 0) return metrics;

  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  for (const u of users) {
    const relevantIds = relevantByUser.get(u)!;
    const relevant = new Set<number>();
    for (const id of relevantIds) {
      const i = itemIndexOf(model, id);
      if (i >= 0) relevant.add(i);
    }
    const top = topNForUser(model, u, RANK_CUTOFF);
    let hits = 0;
    let dcg = 0;
    for (let r = 0; r < top.length; r++) {
      if (relevant.has(top[r])) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
      }
    }
    let idcg = 0;
    for (let r = 0; r < Math.min(relevantIds.size, RANK_CUTOFF); r++) idcg += 1 / Math.log2(r + 2);
    precision += hits / RANK_CUTOFF;
    recall += hits / relevantIds.size;
    ndcg += dcg / idcg;
  }
  metrics.precisionAt20 = precision / users.length;
  metrics.recallAt20 = recall / users.length;
  metrics.ndcgAt20 = ndcg / users.length;
  metrics.rankingUsers = users.length;
  return metrics;
}
