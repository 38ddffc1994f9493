// trainModel: biased matrix factorisation by SGD (Surprise's SVD), one thread in-process
// (bit-for-bit reproducible) or Hogwild over worker threads sharing the factor arrays.
import { buildSeenWithExtras, indexRatings, popularity } from './dataset.ts';
import { resolveParams } from './params.ts';
import { fillNormal, seedState } from './random.ts';
import type { Rating } from './readers.ts';
import { sgdPass, shuffleShard } from './sgd-kernel.ts';
import { runHogwild, type Shard } from './sgd-workers.ts';
import type { Model, TrainParams } from './types.ts';

export interface TrainOptions {
  /** Called after each epoch (1-based) with the RMSE of the errors seen during that epoch's updates. */
  onEpoch?: (epoch: number, trainRmse: number) => void;
  /** Extra (user, item) pairs to mark as seen (e.g. watched but not rated); pairs with a user or
   * item absent from the training ratings are ignored, as the model has no vectors for them. */
  extraSeen?: Array<{ user: number; movie: string }>;
}

export async function trainModel(train: Rating[], params: TrainParams, opts: TrainOptions = {}): Promise<Model> {
  const p = resolveParams(params);
  if (train.length === 0) throw new RangeError('cannot train a model on zero ratings');
  const data = indexRatings(train);
  const nUsers = data.userIds.length;
  const nItems = data.itemIds.length;
  const k = p.factors;
  const shared = p.threads > 1;
  const alloc = (length: number) => (shared ? new Float32Array(new SharedArrayBuffer(length * 4)) : new Float32Array(length));
  const userFactors = alloc(nUsers * k);
  const itemFactors = alloc(nItems * k);
  const userBias = alloc(nUsers);
  const itemBias = alloc(nItems);
  const init = seedState(p.seed, 0);
  fillNormal(userFactors, p.initMean, p.initStd, init);
  fillNormal(itemFactors, p.initMean, p.initStd, init);

  const n = train.length;
  const report = (epoch: number, sse: number) => opts.onEpoch?.(epoch + 1, Math.sqrt(sse / n));
  // The seen table and popularity read the indexed rows, which SGD never reorders (it shuffles copies).
  const tables = () => ({ seen: seenWithExtras(data, opts.extraSeen), popular: popularity(nItems, data.items, data.ratings, data.mean) });
  let derived: ReturnType<typeof tables>;
  if (!shared) {
    // Shuffled in place: copy so the indexed arrays stay in input order.
    const users = data.users.slice();
    const items = data.items.slice();
    const ratings = data.ratings.slice();
    const rng = seedState(p.seed, 2);
    for (let epoch = 0; epoch < p.epochs; epoch++) {
      shuffleShard(users, items, ratings, n, rng);
      const sse = sgdPass(users, items, ratings, n, userFactors, itemFactors, userBias, itemBias, k, data.mean, p.lr, p.reg);
      report(epoch, sse);
      // Let timers and I/O of the host process (e.g. Kafka heartbeats) run between epochs.
      if (epoch + 1 < p.epochs) await new Promise((resolve) => setImmediate(resolve));
    }
    derived = tables();
  } else {
    const shards = shardByUser(data.users, data.items, data.ratings, nUsers, p.threads, p.seed);
    const sgd = runHogwild(
      { shards, userFactors, itemFactors, userBias, itemBias, factors: k, epochs: p.epochs, mean: data.mean, lr: p.lr, reg: p.reg },
      report,
    );
    // The main thread is idle while the workers run: build the tables meanwhile.
    try {
      derived = tables();
    } finally {
      await sgd;
    }
  }
  const { seen, popular } = derived;

  return {
    params: p,
    globalMean: data.mean,
    userIds: data.userIds,
    itemIds: data.itemIds,
    userBias,
    itemBias,
    userFactors,
    itemFactors,
    seenOffsets: seen.seenOffsets,
    seenItems: seen.seenItems,
    popular,
  };
}

function seenWithExtras(
  data: { userIds: Int32Array; itemIds: string[]; users: Uint32Array; items: Uint32Array },
  extra: Array<{ user: number; movie: string }> | undefined,
): { seenOffsets: Uint32Array; seenItems: Uint32Array } {
  return buildSeenWithExtras(data.userIds, data.itemIds, data.users, data.items, extra);
}

/**
 * Split the ratings into `count` shards of whole users with about equal rating counts
 * (largest users first onto the lightest shard), each in its own transferable buffer.
 */
export function shardByUser(
  users: Uint32Array,
  items: Uint32Array,
  ratings: Float32Array,
  nUsers: number,
  count: number,
  seed: number,
): Shard[] {
  const perUser = new Uint32Array(nUsers);
  for (let j = 0; j < users.length; j++) perUser[users[j]]++;
  // Users by descending rating count, then index: one native sort of packed keys
  // ((2^21 - 1 - count) * 2^31 + u stays an exact float64 integer below 2^53).
  const keys = new Float64Array(nUsers);
  for (let u = 0; u < nUsers; u++) keys[u] = (0x1fffff - Math.min(perUser[u], 0x1fffff)) * 0x80000000 + u;
  keys.sort();
  const owner = new Uint8Array(nUsers);
  const load = new Float64Array(count);
  for (let r = 0; r < nUsers; r++) {
    const u = keys[r] % 0x80000000;
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    owner[u] = best;
    load[best] += perUser[u];
  }
  const shards: Shard[] = [];
  for (let s = 0; s < count; s++) {
    const size = load[s];
    shards.push({
      users: new Uint32Array(size),
      items: new Uint32Array(size),
      ratings: new Float32Array(size),
      rng: seedState(seed, 100 + s),
    });
  }
  const fill = new Uint32Array(count);
  for (let j = 0; j < users.length; j++) {
    const s = owner[users[j]];
    const at = fill[s]++;
    shards[s].users[at] = users[j];
    shards[s].items[at] = items[j];
    shards[s].ratings[at] = ratings[j];
  }
  return shards;
}
