// Offline evaluation: rating error (RMSE, MAE) over every held-out row and top-20 ranking
// quality over held-out users, ranking all items each user did not rate in training.
import { permutation, seedState } from './random.ts';
import { movieIndexOf, predict, topNForUser } from './predict.ts';
import { userIndexOf } from './user-index.ts';
import type { Rating } from './readers.ts';
import type { EvalMetrics, Model } from './types.ts';

export const RANK_CUTOFF = 20;
/** A held-out rating at or above this counts as relevant for the ranking metrics. */
export const RELEVANT_RATING = 4;
/** Ranking a user scores every item, so large test sets are ranked on a seeded sample of users. */
export const DEFAULT_MAX_RANKING_USERS = 1000;

export interface EvaluateOptions {
  maxRankingUsers?: number;
}

/** RMSE and MAE of the model's predictions over every test row. */
export function ratingError(model: Model, test: readonly Rating[]): { rmse: number; mae: number } {
  if (test.length === 0) throw new RangeError('cannot evaluate on an empty test set');
  let se = 0;
  let ae = 0;
  for (const row of test) {
    const err = row.rating - predict(model, row.user, row.movie);
    se += err * err;
    ae += Math.abs(err);
  }
  return { rmse: Math.sqrt(se / test.length), mae: ae / test.length };
}

/**
 * precision@20 = hits/20, recall@20 = hits/relevant, nDCG@20 with binary gains, averaged over
 * held-out users the model knows who have at least one relevant rating. Relevant items the
 * model has never seen still count in recall's denominator (they can never be hit).
 */
export function evaluate(model: Model, test: Rating[], opts: EvaluateOptions = {}): EvalMetrics {
  const metrics: EvalMetrics = ratingError(model, test);

  const relevantByUser = new Map<number, Set<string>>();
  for (const row of test) {
    if (row.rating < RELEVANT_RATING) continue;
    const u = userIndexOf(model, row.user);
    if (u < 0) continue;
    let list = relevantByUser.get(u);
    if (!list) relevantByUser.set(u, (list = new Set()));
    list.add(row.movie);
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
      const i = movieIndexOf(model, id);
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

// ---- Ranking metrics of the served lists, on interactions (ratings and watches) ---------------

/** Relevant held-out interaction: a rating >= 4, or (watch-only data) a held-out watch. */
export function isRelevant(x: { rating?: number; minutes?: number }): boolean {
  return x.rating !== undefined ? x.rating >= RELEVANT_RATING : (x.minutes ?? 0) > 0;
}

export interface RankingMetrics {
  ndcgAt20: number;
  precisionAt20: number;
  recallAt20: number;
  /** Held-out users averaged over (a seeded sample when there are more than maxUsers). */
  users: number;
  /** Distinct movies in those users' top 20 / movies in the model. */
  coverage: number;
  /** Mean popularity percentile of the recommended movies (0 = least, 1 = most interacted-with in training). */
  popularityPercentile: number;
  /** Gini coefficient of how often each catalogue movie is recommended (0 = even, 1 = one movie for all). */
  gini: number;
}

export interface RankingEvalOptions {
  /** Most users ranked (seeded sample beyond it); default 1000. */
  maxUsers?: number;
  seed?: number;
}

/** Raw ids of held-out users with at least one relevant interaction, and their relevant movie ids. */
export function relevantByUser(test: ReadonlyArray<{ user: number; movie: string; rating?: number; minutes?: number }>): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const x of test) {
    if (!isRelevant(x)) continue;
    let set = out.get(x.user);
    if (!set) out.set(x.user, (set = new Set()));
    set.add(x.movie);
  }
  return out;
}

function sampleUsers(users: number[], cap: number, seed: number): number[] {
  users.sort((a, b) => a - b);
  if (users.length <= cap) return users;
  const order = permutation(users.length, seedState(seed, 3));
  return Array.from(order.subarray(0, cap), (j) => users[j]).sort((a, b) => a - b);
}

/** The list the service answers a raw user id with: the model's own top 20, or its cold-start chart. */
export function servedList(model: Model, user: number, n = RANK_CUTOFF): Uint32Array {
  const u = userIndexOf(model, user);
  return u >= 0 ? topNForUser(model, u, n) : model.popular.subarray(0, Math.min(n, model.popular.length));
}

/** nDCG@20 with binary gains of one list against a user's relevant movie ids. */
function ndcgOf(model: Model, list: Uint32Array, relevant: Set<string>): { ndcg: number; hits: number } {
  let hits = 0;
  let dcg = 0;
  for (let r = 0; r < list.length; r++) {
    if (relevant.has(model.itemIds[list[r]])) {
      hits++;
      dcg += 1 / Math.log2(r + 2);
    }
  }
  let idcg = 0;
  for (let r = 0; r < Math.min(relevant.size, RANK_CUTOFF); r++) idcg += 1 / Math.log2(r + 2);
  return { ndcg: dcg / idcg, hits };
}

/** Ranking metrics of the served lists (candidates: movies not seen in training) over held-out users. */
export function evaluateRanking(model: Model, test: ReadonlyArray<{ user: number; movie: string; rating?: number; minutes?: number }>, opts: RankingEvalOptions = {}): RankingMetrics {
  const relevant = relevantByUser(test);
  const users = sampleUsers([...relevant.keys()], opts.maxUsers ?? DEFAULT_MAX_RANKING_USERS, opts.seed ?? 0x5eed);
  const nItems = model.itemIds.length;
  const recommended = new Float64Array(nItems);
  let precision = 0;
  let recall = 0;
  let ndcg = 0;
  for (const user of users) {
    const list = servedList(model, user);
    const rel = relevant.get(user)!;
    const r = ndcgOf(model, list, rel);
    ndcg += r.ndcg;
    precision += r.hits / RANK_CUTOFF;
    recall += r.hits / rel.size;
    for (const i of list) recommended[i]++;
  }
  const n = Math.max(1, users.length);
  // Popularity percentile from the training interactions the model carries (its seen table).
  const count = new Float64Array(nItems);
  for (let j = 0; j < model.seenItems.length; j++) count[model.seenItems[j]]++;
  const byCount = Array.from({ length: nItems }, (_, i) => i).sort((a, b) => count[a] - count[b]);
  const percentile = new Float64Array(nItems);
  for (let r = 0; r < nItems; ) {
    let e = r;
    while (e + 1 < nItems && count[byCount[e + 1]] === count[byCount[r]]) e++;
    // Ties share the percentile of their middle rank.
    const pct = nItems > 1 ? (r + e) / 2 / (nItems - 1) : 1;
    for (let t = r; t <= e; t++) percentile[byCount[t]] = pct;
    r = e + 1;
  }
  let pctSum = 0;
  let slots = 0;
  let distinct = 0;
  for (let i = 0; i < nItems; i++) {
    if (recommended[i] > 0) distinct++;
    pctSum += recommended[i] * percentile[i];
    slots += recommended[i];
  }
  return {
    ndcgAt20: ndcg / n,
    precisionAt20: precision / n,
    recallAt20: recall / n,
    users: users.length,
    coverage: nItems ? distinct / nItems : 0,
    popularityPercentile: slots ? pctSum / slots : 0,
    gini: gini(recommended),
  };
}

/** Gini coefficient of non-negative values (0 when all are equal or all zero). */
export function gini(values: Float64Array): number {
  const x = Float64Array.from(values).sort();
  const n = x.length;
  let total = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    total += x[i];
    weighted += (2 * (i + 1) - n - 1) * x[i];
  }
  return total > 0 ? weighted / (n * total) : 0;
}

export interface RankingComparison {
  /** Raw ids of the held-out users both were scored on, ascending. */
  users: Int32Array;
  /** nDCG@20 of the candidate's served list, per user (same order as `users`). */
  candidate: Float64Array;
  /** nDCG@20 of the baseline's served list, per user. */
  baseline: Float64Array;
  candidateMean: number;
  baselineMean: number;
}

export interface CompareOptions {
  /** Most users scored (seeded sample beyond it); default 2000. */
  maxUsers?: number;
  seed?: number;
  /**
   * Pairs the baseline held out of its training (its manifest's `holdout`, split by pair). Its
   * seen table lists them too (a served model knows every interaction), so without this they would
   * count as trained on and be left out.
   */
  heldOutByBaseline?: (user: number, movie: string) => boolean;
}

/**
 * Per-user nDCG@20 of two models' served lists on the SAME held-out users: every held-out user
 * with a relevant interaction whom the candidate knows. Both lists leave out the movies the user
 * has in the candidate's training data (the candidate's seen table, mapped by movie id), so the
 * baseline is never credited or blamed for what its own, older seen table holds; a user the
 * baseline does not know gets its cold-start chart, as the service would answer. For a paired
 * test (e.g. a bootstrap over users) of candidate against the model in production.
 */
export function compareRanking(candidate: Model, baseline: Model, test: ReadonlyArray<{ user: number; movie: string; rating?: number; minutes?: number }>, opts: CompareOptions = {}): RankingComparison {
  // Only held-out interactions neither model trained on count: with a split drawn afresh each run
  // (a row permutation), part of this run's held-out set was the served model's training data,
  // which it has learnt (scoring on it would flatter the served model and refuse nearly every
  // candidate). The pipeline splits by pair (split.ts#heldOutPair) and says which pairs the
  // baseline held out (heldOutByBaseline), so then only the pairs added since are lost.
  const relevant = unseenBy(baseline, relevantByUser(test), opts.heldOutByBaseline);
  const known = [...relevant.keys()].filter((u) => userIndexOf(candidate, u) >= 0);
  const users = sampleUsers(known, opts.maxUsers ?? 2000, opts.seed ?? 0x5eed);
  const baselineView = withSeenOf(baseline, candidate, users);
  const out: RankingComparison = {
    users: Int32Array.from(users),
    candidate: new Float64Array(users.length),
    baseline: new Float64Array(users.length),
    candidateMean: 0,
    baselineMean: 0,
  };
  for (let j = 0; j < users.length; j++) {
    const rel = relevant.get(users[j])!;
    out.candidate[j] = ndcgOf(candidate, servedList(candidate, users[j]), rel).ndcg;
    out.baseline[j] = ndcgOf(baselineView, servedExcluding(baselineView, users[j]), rel).ndcg;
  }
  const mean = (a: Float64Array) => (a.length ? a.reduce((s, v) => s + v, 0) / a.length : 0);
  out.candidateMean = mean(out.candidate);
  out.baselineMean = mean(out.baseline);
  return out;
}

/** `relevant` without the items `model` trained on for each user; users left with none go. */
function unseenBy(model: Model, relevant: Map<number, Set<string>>, heldOut?: (user: number, movie: string) => boolean): Map<number, Set<string>> {
  const out = new Map<number, Set<string>>();
  for (const [user, items] of relevant) {
    const u = userIndexOf(model, user);
    let kept = items;
    if (u >= 0) {
      kept = new Set(items);
      for (let j = model.seenOffsets[u]; j < model.seenOffsets[u + 1]; j++) {
        const movie = model.itemIds[model.seenItems[j]];
        if (!heldOut?.(user, movie)) kept.delete(movie);
      }
    }
    if (kept.size > 0) out.set(user, kept);
  }
  return out;
}

/** `model` with its seen table replaced by `source`'s seen items of `users` (mapped by id; others empty). */
function withSeenOf(model: Model, source: Model, users: number[]): Model & { coldSeen: Map<number, Set<number>> } {
  const nUsers = model.userIds.length;
  const lists = new Map<number, number[]>();
  const coldSeen = new Map<number, Set<number>>();
  for (const user of users) {
    const s = userIndexOf(source, user);
    const mapped: number[] = [];
    for (let j = source.seenOffsets[s]; j < source.seenOffsets[s + 1]; j++) {
      const i = movieIndexOf(model, source.itemIds[source.seenItems[j]]);
      if (i >= 0) mapped.push(i);
    }
    mapped.sort((a, b) => a - b);
    const u = userIndexOf(model, user);
    if (u >= 0) lists.set(u, mapped);
    else coldSeen.set(user, new Set(mapped));
  }
  const seenOffsets = new Uint32Array(nUsers + 1);
  const items: number[] = [];
  for (let u = 0; u < nUsers; u++) {
    seenOffsets[u] = items.length;
    const l = lists.get(u);
    if (l) for (const i of l) items.push(i);
  }
  seenOffsets[nUsers] = items.length;
  return { ...model, seenOffsets, seenItems: Uint32Array.from(items), coldSeen };
}

function servedExcluding(view: Model & { coldSeen: Map<number, Set<number>> }, user: number): Uint32Array {
  if (userIndexOf(view, user) >= 0) return servedList(view, user);
  const skip = view.coldSeen.get(user) ?? new Set<number>();
  const out: number[] = [];
  for (let j = 0; j < view.popular.length && out.length < RANK_CUTOFF; j++) if (!skip.has(view.popular[j])) out.push(view.popular[j]);
  return Uint32Array.from(out);
}
