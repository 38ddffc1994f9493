// Scoring with a trained model: single predictions (with Surprise's fallbacks for unknown
// users and movies) and the top-N ranking of one user's unseen movies.
import { dot } from './dot.ts';
import type { Model } from './types.ts';
import { userIndexOf } from './user-index.ts';

interface Lookups {
  items: Map<string, number>;
  /** Scratch marks for topNForUser's seen filter; always all-zero between calls. */
  marks: Uint8Array;
  /** Scratch copy of the user's vector: float64 reads skip a conversion per multiply. */
  user: Float64Array;
}

const lookups = new WeakMap<Model, Lookups>();

function lookupsOf(model: Model): Lookups {
  let l = lookups.get(model);
  if (!l) {
    const items = new Map<string, number>();
    for (let i = 0; i < model.itemIds.length; i++) items.set(model.itemIds[i], i);
    l = { items, marks: new Uint8Array(model.itemIds.length), user: new Float64Array(model.params.factors) };
    lookups.set(model, l);
  }
  return l;
}

/** Dense index of a movie id, or -1. */
export function movieIndexOf(model: Model, movie: string): number {
  return lookupsOf(model).items.get(movie) ?? -1;
}

/** Unclipped score of dense (u, i): mean + b_u + b_i + q_i·p_u. */
export function scoreDense(model: Model, u: number, i: number): number {
  const k = model.params.factors;
  return model.globalMean + model.userBias[u] + model.itemBias[i] + dot(model.userFactors, u * k, model.itemFactors, i * k, k);
}

/** Predicted rating clipped to [ratingMin, ratingMax]; an unknown user or item contributes no bias or factors. */
export function predict(model: Model, user: number, movie: string): number {
  const u = userIndexOf(model, user);
  const i = movieIndexOf(model, movie);
  let est: number;
  if (u >= 0 && i >= 0) est = scoreDense(model, u, i);
  else est = model.globalMean + (u >= 0 ? model.userBias[u] : 0) + (i >= 0 ? model.itemBias[i] : 0);
  return Math.min(model.params.ratingMax, Math.max(model.params.ratingMin, est));
}

/**
 * The n best items for dense user `userIndex` that the user has not seen, best first.
 * Ranks by b_i + q_i·p_u (the user's mean and bias do not change the order) with a
 * bounded min-heap, so the cost is one pass over the item matrix.
 */
export function topNForUser(model: Model, userIndex: number, n: number): Uint32Array {
  const nUsers = model.userIds.length;
  if (!Number.isInteger(userIndex) || userIndex < 0 || userIndex >= nUsers) {
    throw new RangeError(`user index ${userIndex} is outside 0..${nUsers - 1}`);
  }
  const k = model.params.factors;
  const nItems = model.itemIds.length;
  const Q = model.itemFactors;
  const bias = model.itemBias;
  const { marks, user: p } = lookupsOf(model);
  for (let f = 0; f < k; f++) p[f] = model.userFactors[userIndex * k + f];
  const seenFrom = model.seenOffsets[userIndex];
  const seenTo = model.seenOffsets[userIndex + 1];
  for (let s = seenFrom; s < seenTo; s++) marks[model.seenItems[s]] = 1;

  const cap = Math.max(0, Math.min(n, nItems));
  const heapScore = new Float64Array(cap);
  const heapItem = new Uint32Array(cap);
  let size = 0;
  for (let i = 0; i < nItems; i++) {
    if (marks[i] === 1) continue;
    const score = bias[i] + dot(p, 0, Q, i * k, k);
    if (size < cap) {
      // Sift up.
      let c = size++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(score, i, heapScore[parent], heapItem[parent])) break;
        heapScore[c] = heapScore[parent];
        heapItem[c] = heapItem[parent];
        c = parent;
      }
      heapScore[c] = score;
      heapItem[c] = i;
    } else if (cap > 0 && worse(heapScore[0], heapItem[0], score, i)) {
      // Replace the worst kept item and sift down.
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const m = r < size && worse(heapScore[r], heapItem[r], heapScore[l], heapItem[l]) ? r : l;
        if (!worse(heapScore[m], heapItem[m], score, i)) break;
        heapScore[c] = heapScore[m];
        heapItem[c] = heapItem[m];
        c = m;
      }
      heapScore[c] = score;
      heapItem[c] = i;
    }
  }
  for (let s = seenFrom; s < seenTo; s++) marks[model.seenItems[s]] = 0;

  const order = Array.from({ length: size }, (_, j) => j).sort((a, b) =>
    worse(heapScore[a], heapItem[a], heapScore[b], heapItem[b]) ? 1 : -1,
  );
  const out = new Uint32Array(size);
  for (let j = 0; j < size; j++) out[j] = heapItem[order[j]];
  return out;
}

/** Ranking order: higher score first, then lower index, so results are deterministic under ties. */
function worse(scoreA: number, itemA: number, scoreB: number, itemB: number): boolean {
  return scoreA < scoreB || (scoreA === scoreB && itemA > itemB);
}
