// The served ranking model: iALS factors wrapped as the `Model` inference ranks (user·item dot
// products plus an item bias, here all zero), with the seen table built from every training
// interaction and a cold-start list that follows what is popular now.
import { buildSeenWithExtras, POPULAR_KEPT } from './dataset.ts';
import { defaultParams } from './params.ts';
import { trainIals, resolveIalsParams, type IalsOptions, type IalsParams } from './ials.ts';
import { buildInteractionMatrix, defaultSignalOptions, type Interaction, type InteractionMatrix, type SignalOptions } from './interactions.ts';
import type { Model } from './types.ts';

/** Half-life of the cold-start chart's decay: an interaction a week old counts half as much as one now. */
export const DEFAULT_POPULARITY_HALF_LIFE_DAYS = 7;
const DAY_MS = 86_400_000;

export interface RankingModelOptions extends IalsOptions {
  signals?: SignalOptions;
  /** (user, movie) pairs to mark as seen beyond the interactions (pairs of unknown users or items are ignored). */
  extraSeen?: Array<{ user: number; movie: string }>;
  /** Half-life of the cold-start chart, in days (used when the interactions carry times). */
  popularityHalfLifeDays?: number;
}

export interface RankingModel {
  model: Model;
  params: IalsParams;
  matrix: InteractionMatrix;
}

export async function trainRankingModel(train: readonly Interaction[], params: Partial<IalsParams> = {}, opts: RankingModelOptions = {}): Promise<RankingModel> {
  const p = resolveIalsParams(params);
  if (train.length === 0) throw new RangeError('cannot train a ranking model on zero interactions');
  const matrix = buildInteractionMatrix(train, p.alpha, opts.signals ?? defaultSignalOptions);
  const { userFactors, itemFactors } = await trainIals(matrix, p, opts);
  const nUsers = matrix.userIds.length;
  const nItems = matrix.itemIds.length;
  const seen = seenTable(matrix, opts.extraSeen);
  const popular = recentPopularity(train, matrix.itemIds, { halfLifeDays: opts.popularityHalfLifeDays });
  const model: Model = {
    // The served Model's header: factors and the iALS sweep count, lambda and seed; the full iALS
    // parameters are in the manifest's `ranking.params`.
    params: { ...defaultParams, factors: p.factors, epochs: p.iterations, reg: p.lambda, seed: p.seed, threads: 1 },
    globalMean: 0,
    userIds: matrix.userIds,
    itemIds: matrix.itemIds,
    userBias: new Float32Array(nUsers),
    itemBias: new Float32Array(nItems),
    userFactors,
    itemFactors,
    seenOffsets: seen.seenOffsets,
    seenItems: seen.seenItems,
    popular,
  };
  return { model, params: p, matrix };
}

function seenTable(m: InteractionMatrix, extra: Array<{ user: number; movie: string }> | undefined): { seenOffsets: Uint32Array; seenItems: Uint32Array } {
  const nUsers = m.userIds.length;
  const users = new Uint32Array(m.byUser.index.length);
  for (let u = 0; u < nUsers; u++) users.fill(u, m.byUser.offsets[u], m.byUser.offsets[u + 1]);
  return buildSeenWithExtras(m.userIds, m.itemIds, users, m.byUser.index, extra);
}

/**
 * `model` with `pairs` added to its seen table (pairs of users or movies it does not know are
 * ignored). The shipped model marks the held-out interactions as seen once they have been
 * evaluated, so the service never offers a user a movie they already rated or watched.
 */
export function withSeen(model: Model, pairs: ReadonlyArray<{ user: number; movie: string }>): Model {
  const nUsers = model.userIds.length;
  const users = new Uint32Array(model.seenItems.length);
  for (let u = 0; u < nUsers; u++) users.fill(u, model.seenOffsets[u], model.seenOffsets[u + 1]);
  return { ...model, ...buildSeenWithExtras(model.userIds, model.itemIds, users, model.seenItems, pairs) };
}

export interface PopularityOptions {
  /** Decay half-life in days (default 7). */
  halfLifeDays?: number;
  /** The chart's "now" (epoch ms); default the latest time among the interactions. */
  now?: number;
  /** Length of the list (default 1000). */
  keep?: number;
}

/**
 * Cold-start chart: dense indexes into `itemIds`, best first, by decayed interaction count
 * sum 2^(-(now - at) / halfLife) over every interaction with the item (a pair without a time
 * counts as happening now; with no times at all this is the plain interaction count). Ties by
 * plain count, then index. Interactions with items not in `itemIds` are ignored.
 */
export function recentPopularity(rows: ReadonlyArray<{ movie: string; at?: number }>, itemIds: readonly string[], opts: PopularityOptions = {}): Uint32Array {
  const halfLife = (opts.halfLifeDays ?? DEFAULT_POPULARITY_HALF_LIFE_DAYS) * DAY_MS;
  if (!(halfLife > 0)) throw new RangeError(`popularity half-life must be positive, got ${opts.halfLifeDays} days`);
  const index = new Map<string, number>();
  for (let i = 0; i < itemIds.length; i++) index.set(itemIds[i], i);
  let now = opts.now ?? -Infinity;
  if (opts.now === undefined) for (const r of rows) if (r.at !== undefined && r.at > now) now = r.at;
  const score = new Float64Array(itemIds.length);
  const count = new Uint32Array(itemIds.length);
  for (const r of rows) {
    const i = index.get(r.movie);
    if (i === undefined) continue;
    count[i]++;
    score[i] += r.at === undefined || !Number.isFinite(now) ? 1 : 2 ** (-Math.max(0, now - r.at) / halfLife);
  }
  const order = Array.from({ length: itemIds.length }, (_, i) => i);
  order.sort((a, b) => score[b] - score[a] || count[b] - count[a] || a - b);
  return Uint32Array.from(order.slice(0, Math.min(opts.keep ?? POPULAR_KEPT, order.length)));
}
