// The SGD inner loop, shared by the main thread (threads=1) and the Hogwild workers
// (sgd-worker.ts).
import { dot } from './dot.ts';

/**
 * In-place seeded Fisher-Yates shuffle of one shard of ratings (three parallel arrays).
 * `rng` is the 4-word sfc32 state; it is advanced so the next epoch gets a new order.
 */
export function shuffleShard(users: Uint32Array, items: Uint32Array, ratings: Float32Array, n: number, rng: Uint32Array): void {
  let a = rng[0] | 0;
  let b = rng[1] | 0;
  let c = rng[2] | 0;
  let d = rng[3] | 0;
  for (let j = n - 1; j > 0; j--) {
    // sfc32 step, inlined for speed.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    const k = Math.floor(((t >>> 0) / 4294967296) * (j + 1));
    const u = users[j];
    users[j] = users[k];
    users[k] = u;
    const it = items[j];
    items[j] = items[k];
    items[k] = it;
    const r = ratings[j];
    ratings[j] = ratings[k];
    ratings[k] = r;
  }
  rng[0] = a;
  rng[1] = b;
  rng[2] = c;
  rng[3] = d;
}

/**
 * One pass of biased-MF SGD over `n` ratings in array order (Surprise's SVD update rule:
 * unclipped prediction, both factor vectors updated from their old values). Returns the
 * sum of squared errors seen before each update, for a cheap running train RMSE.
 */
export function sgdPass(
  users: Uint32Array,
  items: Uint32Array,
  ratings: Float32Array,
  n: number,
  userFactors: Float32Array,
  itemFactors: Float32Array,
  userBias: Float32Array,
  itemBias: Float32Array,
  k: number,
  mean: number,
  lr: number,
  reg: number,
): number {
  const decay = 1 - lr * reg;
  const k4 = k - (k % 4);
  let sse = 0;
  for (let j = 0; j < n; j++) {
    const u = users[j];
    const i = items[j];
    const pu = u * k;
    const qi = i * k;
    const bu = userBias[u];
    const bi = itemBias[i];
    const err = ratings[j] - (mean + bu + bi + dot(userFactors, pu, itemFactors, qi, k));
    sse += err * err;
    userBias[u] = bu + lr * (err - reg * bu);
    itemBias[i] = bi + lr * (err - reg * bi);
    // p += lr(e q - reg p) and q += lr(e p - reg q), both from the old p and q.
    const g = lr * err;
    let f = 0;
    for (; f < k4; f += 4) {
      const p0 = userFactors[pu + f];
      const q0 = itemFactors[qi + f];
      userFactors[pu + f] = decay * p0 + g * q0;
      itemFactors[qi + f] = decay * q0 + g * p0;
      const p1 = userFactors[pu + f + 1];
      const q1 = itemFactors[qi + f + 1];
      userFactors[pu + f + 1] = decay * p1 + g * q1;
      itemFactors[qi + f + 1] = decay * q1 + g * p1;
      const p2 = userFactors[pu + f + 2];
      const q2 = itemFactors[qi + f + 2];
      userFactors[pu + f + 2] = decay * p2 + g * q2;
      itemFactors[qi + f + 2] = decay * q2 + g * p2;
      const p3 = userFactors[pu + f + 3];
      const q3 = itemFactors[qi + f + 3];
      userFactors[pu + f + 3] = decay * p3 + g * q3;
      itemFactors[qi + f + 3] = decay * q3 + g * p3;
    }
    for (; f < k; f++) {
      const p = userFactors[pu + f];
      const q = itemFactors[qi + f];
      userFactors[pu + f] = decay * p + g * q;
      itemFactors[qi + f] = decay * q + g * p;
    }
  }
  return sse;
}
