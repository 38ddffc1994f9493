// Implicit ALS (Hu, Koren, Volinsky 2008) with the conjugate-gradient solver of Takács, Pilászy,
// Tikk (2011): the ranking model the service serves.
//
// Each user u minimises  sum_i c_ui (p_ui - x_u·y_i)^2 + lambda |x_u|^2  over all items i, with
// c_ui = 1 + w_ui (w = alpha * signal, interactions.ts) and p_ui = 1 for positives, 0 elsewhere.
// The normal equations are (YᵀY + Yᵀ(C_u - I)Y + lambda I) x_u = Yᵀ C_u p_u. YᵀY + lambda I is the
// same for every user (the Gram matrix, computed once per half-sweep), and C_u - I is non-zero only
// on u's own interactions, so one product A·v costs k² + 2k·n_u: a few CG steps per user, warm
// started from the previous sweep's x_u, make a sweep linear in the interactions (no k³ solve per
// user). Items are solved the same way with the roles swapped.
//
// Defaults, measured on MovieLens 100K 80/20 (scripts/bench/ranking.ts, docs/benchmarks.md):
// alpha 10, lambda 50 (the issue's setting; lambda 20 or 100 lose 0.04-0.07 nDCG@20, alpha 5 loses
// 0.005). Factors: median nDCG@20 over split seeds 1-5 is 0.3877 / 0.3921 / 0.3939 with 64 / 100 /
// 128 factors, 100 and 128 within the seed-to-seed spread (±0.008); 100 it is, since every request
// that misses the cache scores all movies (27,000 × k multiply-adds at course scale) and 128 factors
// measured p99 10.7 ms at 1,000 req/s against a 10 ms target. Sweeps and CG steps barely matter once
// the user side is whitened (below): 0.3915 / 0.3917 / 0.3906 / 0.3897 with 4 / 6 / 8 / 15 sweeps of
// 3 steps and 0.3939 with 6 sweeps of 2 steps (128 factors). So 6 sweeps of 2 steps: a third of the
// work of 15 × 3, which is what makes course scale (1M users, 10M interactions) affordable.
// Lambda is fixed (not scaled by n_u) as in Hu et al., which shrinks light users towards the
// popular direction.
//
// Deterministic: the same interactions, params and seed give the same factors bit for bit (users
// and items are solved in index order; threads only split that order into independent ranges).
import { z } from 'zod';
import type { Csr, InteractionMatrix } from './interactions.ts';
import { gramRows, solveRows, whitenRows } from './ials-kernel.ts';
import { IalsPool } from './ials-workers.ts';
import { MAX_THREADS } from './params.ts';
import { fillNormal, seedState } from './random.ts';
import type { RankingParams } from './types.ts';

/** factors; iterations (alternating sweeps, users then items); alpha (c = 1 + alpha * signal);
 * lambda (L2 on every factor vector); cgSteps per vector per sweep; initStd (items start as
 * N(0, initStd), users at 0 and are solved first); seed. */
export type IalsParams = RankingParams;

export const defaultIalsParams: IalsParams = Object.freeze({
  factors: 100,
  iterations: 6,
  alpha: 10,
  lambda: 50,
  cgSteps: 2,
  initStd: 0.01,
  seed: 42,
});

export const ialsParamsSchema = z.object({
  factors: z.number().int().min(1).max(4096),
  iterations: z.number().int().min(0).max(10_000),
  alpha: z.number().finite().min(0),
  lambda: z.number().finite().min(0),
  cgSteps: z.number().int().min(1).max(4096),
  initStd: z.number().finite().min(0),
  seed: z.number().int().min(0).max(2 ** 32 - 1),
});

export function resolveIalsParams(overrides: Partial<IalsParams> = {}): IalsParams {
  const merged: Record<string, unknown> = { ...defaultIalsParams };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  const parsed = ialsParamsSchema.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`);
    throw new RangeError(`invalid ranking-model parameters: ${issues.join('; ')}`);
  }
  return parsed.data;
}

export interface IalsProgress {
  iteration: number;
  iterations: number;
  seconds: number;
  /** Mean over users of |r_final| / |r_initial| of their last CG solve (how far from converged). */
  userResidual: number;
  itemResidual: number;
}

export interface IalsOptions {
  onIteration?: (p: IalsProgress) => void;
  /**
   * Worker threads (default 1: the calling thread, yielding to the event loop between chunks of
   * rows). The factors are the same bit for bit whatever the count: rows are solved independently
   * and the Gram matrix is summed from the same fixed chunks in the same order.
   */
  threads?: number;
}

export interface IalsFactors {
  userFactors: Float32Array; // nUsers * k
  itemFactors: Float32Array; // nItems * k
}

/** The Gram matrix is summed from this many fixed chunks of rows, whatever the thread count. */
const GRAM_CHUNKS = 16;
/** Rows solved between event-loop turns on a single thread. */
const ROWS_PER_TURN = 20_000;

export async function trainIals(m: InteractionMatrix, params: Partial<IalsParams> = {}, opts: IalsOptions = {}): Promise<IalsFactors> {
  const p = resolveIalsParams(params);
  const threads = opts.threads ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1 && threads <= MAX_THREADS)) throw new RangeError(`iALS threads must be an integer in 1..${MAX_THREADS}, got ${threads}`);
  const k = p.factors;
  const shared = threads > 1;
  const f32 = (n: number) => (shared ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n));
  const userFactors = f32(m.userIds.length * k);
  const itemFactors = f32(m.itemIds.length * k);
  fillNormal(itemFactors, 0, p.initStd, seedState(p.seed, 10));
  const pool = shared ? await IalsPool.start(threads) : undefined;
  try {
    const byUser = shared ? shareCsr(m.byUser) : m.byUser;
    const byItem = shared ? shareCsr(m.byItem) : m.byItem;
    const t0 = performance.now();
    for (let it = 0; it < p.iterations; it++) {
      const userResidual = await halfSweep(userFactors, itemFactors, byUser, p, pool);
      const itemResidual = await halfSweep(itemFactors, userFactors, byItem, p, pool);
      opts.onIteration?.({ iteration: it + 1, iterations: p.iterations, seconds: (performance.now() - t0) / 1000, userResidual, itemResidual });
    }
  } finally {
    await pool?.close();
  }
  return { userFactors, itemFactors };
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Gram matrix YᵀY (k × k, float64, full symmetric), summed from GRAM_CHUNKS fixed row chunks in order. */
export async function gram(Y: Float32Array, k: number, pool?: IalsPool): Promise<Float64Array> {
  const n = Y.length / k;
  const bounds = Array.from({ length: GRAM_CHUNKS + 1 }, (_, c) => Math.round((c * n) / GRAM_CHUNKS));
  const partials = bounds.slice(1).map(() => (pool ? new Float64Array(new SharedArrayBuffer(k * k * 8)) : new Float64Array(k * k)));
  if (pool) {
    await pool.runAll(partials.map((G, c) => ({ op: 'gram', Y: sab(Y), G: sab(G), k, from: bounds[c], to: bounds[c + 1] })));
  } else {
    const y = new Float64Array(k);
    for (let c = 0; c < GRAM_CHUNKS; c++) gramRows(Y, k, bounds[c], bounds[c + 1], partials[c], y);
  }
  const G = new Float64Array(k * k);
  for (const part of partials) for (let j = 0; j < G.length; j++) G[j] += part[j];
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a];
  return G;
}

/**
 * Solve every row of X against the fixed Y (in place, warm-started); returns the mean residual
 * reduction. When the fixed side is small next to the solved side (fewer than 2·cgSteps rows per
 * solved row: users against items at course scale, 27,000 items against 1,000,000 users), the
 * solve runs in the basis that whitens the Gram matrix: with YᵀY + lambda·I = L Lᵀ and
 * v_i = L⁻¹ y_i (once per sweep), x = L⁻ᵀ z where (I + sum_j w_j v_j v_jᵀ) z = sum_j p_j (1 + w_j) v_j.
 * That is CG preconditioned by the Gram matrix itself: the same solution, no k² product per CG
 * step (two triangular passes per row instead, for the warm start and the answer), and the
 * identity-plus-rank-n_u system is solved exactly within n_u + 1 steps, so a light user's few steps
 * reach its exact least-squares answer.
 */
async function halfSweep(X: Float32Array, Y: Float32Array, csr: Csr, p: IalsParams, pool: IalsPool | undefined): Promise<number> {
  const k = p.factors;
  const G = await gram(Y, k, pool);
  for (let f = 0; f < k; f++) G[f * k + f] += p.lambda;
  const nRows = csr.offsets.length - 1;
  const nFixed = Y.length / k;
  const U = nFixed < 2 * p.cgSteps * nRows ? choleskyUpper(G, k) : undefined;
  const f64 = (n: number) => (pool ? new Float64Array(new SharedArrayBuffer(n * 8)) : new Float64Array(n));
  const M = f64(k * k);
  M.set(U ?? G);
  let V: Float64Array | null = null;
  if (U) {
    V = f64(Y.length);
    whitenRows(Y, U, k, 0, nFixed, V);
  }
  const out = new Float64Array(2);
  if (!pool) {
    for (let from = 0; from < nRows; from += ROWS_PER_TURN) {
      solveRows(X, Y, M, V, csr.offsets, csr.index, csr.weight, csr.pref, k, p.cgSteps, from, Math.min(nRows, from + ROWS_PER_TURN), out);
      // Let timers and I/O of the host process (e.g. Kafka heartbeats) run.
      await yieldTurn();
    }
  } else {
    // Ranges of about equal work (k² per row plus 2k per interaction per CG product), a few per thread.
    const parts = pool.size * 4;
    const cost = (row: number) => k + 2 * (p.cgSteps + 1) * csr.offsets[row];
    const total = cost(nRows) - k;
    const ranges: Array<[number, number]> = [];
    let start = 0;
    for (let part = 1; part <= parts && start < nRows; part++) {
      let end = start;
      const target = (total * part) / parts;
      while (end < nRows && k * end + 2 * (p.cgSteps + 1) * csr.offsets[end] < target) end++;
      if (part === parts) end = nRows;
      if (end > start) ranges.push([start, end]);
      start = end;
    }
    const replies = await pool.runAll(
      ranges.map(([from, to]) => ({
        op: 'solve',
        X: sab(X),
        Y: sab(Y),
        M: sab(M),
        V: V ? sab(V) : null,
        offsets: sab(csr.offsets),
        index: sab(csr.index),
        weight: sab(csr.weight),
        pref: sab(csr.pref),
        k,
        steps: p.cgSteps,
        from,
        to,
      })),
    );
    for (const r of replies) {
      out[0] += r.sum;
      out[1] += r.count;
    }
  }
  return out[1] ? out[0] / out[1] : 0;
}

/** The shared memory behind a typed array the pool works on. */
const sab = (a: ArrayBufferView) => a.buffer as unknown as SharedArrayBuffer;

/** The CSR arrays copied into shared memory, for the workers. */
function shareCsr(c: Csr): Csr {
  const copy = <T extends Float64Array | Uint32Array | Float32Array | Uint8Array>(a: T, make: (b: SharedArrayBuffer) => T): T => {
    const out = make(new SharedArrayBuffer(a.byteLength));
    out.set(a as never);
    return out;
  };
  return {
    offsets: copy(c.offsets, (b) => new Float64Array(b)),
    index: copy(c.index, (b) => new Uint32Array(b)),
    weight: copy(c.weight, (b) => new Float32Array(b)),
    pref: copy(c.pref, (b) => new Uint8Array(b)),
    at: c.at,
  };
}

/**
 * Cholesky factor of a symmetric positive definite k × k matrix: G = L Lᵀ. Returns Lᵀ (upper
 * triangular, row-major, so both triangular passes read rows), or undefined if G is not
 * numerically positive definite.
 */
export function choleskyUpper(G: Float64Array, k: number): Float64Array | undefined {
  const L = new Float64Array(k * k);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b <= a; b++) {
      let s = G[a * k + b];
      for (let f = 0; f < b; f++) s -= L[a * k + f] * L[b * k + f];
      if (a === b) {
        if (!(s > 0)) return undefined;
        L[a * k + a] = Math.sqrt(s);
      } else L[a * k + b] = s / L[b * k + b];
    }
  }
  const U = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = a; b < k; b++) U[a * k + b] = L[b * k + a];
  return U;
}
