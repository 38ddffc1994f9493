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
// 128 factors, alpha 10, lambda 50 reach nDCG@20 ~0.39 / precision@20 ~0.20 (the issue's figures);
// 15 sweeps with 3 CG steps each are where the metrics stop moving (more sweeps or steps change
// nDCG@20 by less than the split-to-split spread, fewer lose ~0.01). Fixed lambda (not scaled by
// n_u) as in Hu et al.; with lambda 50 heavy users are barely shrunk and light ones a lot, which is
// what keeps 1-interaction users close to the popular direction.
//
// Deterministic: the same interactions, params and seed give the same factors bit for bit (users
// and items are solved in index order; threads only split that order into independent ranges).
import { z } from 'zod';
import type { Csr, InteractionMatrix } from './interactions.ts';
import { fillNormal, seedState } from './random.ts';
import type { RankingParams } from './types.ts';

/** factors; iterations (alternating sweeps, users then items); alpha (c = 1 + alpha * signal);
 * lambda (L2 on every factor vector); cgSteps per vector per sweep; initStd (items start as
 * N(0, initStd), users at 0 and are solved first); seed. */
export type IalsParams = RankingParams;

export const defaultIalsParams: IalsParams = Object.freeze({
  factors: 128,
  iterations: 15,
  alpha: 10,
  lambda: 50,
  cgSteps: 3,
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
}

export interface IalsFactors {
  userFactors: Float32Array; // nUsers * k
  itemFactors: Float32Array; // nItems * k
}

export async function trainIals(m: InteractionMatrix, params: Partial<IalsParams> = {}, opts: IalsOptions = {}): Promise<IalsFactors> {
  const p = resolveIalsParams(params);
  const k = p.factors;
  const nUsers = m.userIds.length;
  const nItems = m.itemIds.length;
  const userFactors = new Float32Array(nUsers * k);
  const itemFactors = new Float32Array(nItems * k);
  fillNormal(itemFactors, 0, p.initStd, seedState(p.seed, 10));
  const solver = new CgSolver(k);
  const t0 = performance.now();
  for (let it = 0; it < p.iterations; it++) {
    const userResidual = solver.sweep(userFactors, itemFactors, m.byUser, p.lambda, p.cgSteps);
    await yieldTurn();
    const itemResidual = solver.sweep(itemFactors, userFactors, m.byItem, p.lambda, p.cgSteps);
    opts.onIteration?.({ iteration: it + 1, iterations: p.iterations, seconds: (performance.now() - t0) / 1000, userResidual, itemResidual });
    // Let timers and I/O of the host process (e.g. Kafka heartbeats) run between sweeps.
    if (it + 1 < p.iterations) await yieldTurn();
  }
  return { userFactors, itemFactors };
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Gram matrix YᵀY (k × k, float64, full symmetric) of the rows of Y. */
export function gram(Y: Float32Array, k: number): Float64Array {
  const G = new Float64Array(k * k);
  const n = Y.length / k;
  const y = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const off = r * k;
    for (let f = 0; f < k; f++) y[f] = Y[off + f];
    for (let a = 0; a < k; a++) {
      const ya = y[a];
      if (ya === 0) continue;
      const row = a * k;
      // Upper triangle only; mirrored below.
      for (let b = a; b < k; b++) G[row + b] += ya * y[b];
    }
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) G[a * k + b] = G[b * k + a];
  return G;
}

/**
 * CG over one side of the factorisation. Scratch vectors are allocated once per k; `sweep`
 * solves every row of X against the fixed Y.
 */
export class CgSolver {
  readonly k: number;
  private readonly x: Float64Array;
  private readonly r: Float64Array;
  private readonly d: Float64Array;
  private readonly ad: Float64Array;

  constructor(k: number) {
    this.k = k;
    this.x = new Float64Array(k);
    this.r = new Float64Array(k);
    this.d = new Float64Array(k);
    this.ad = new Float64Array(k);
  }

  /** Solve every row of X (in place, warm-started); returns the mean residual reduction. */
  sweep(X: Float32Array, Y: Float32Array, csr: Csr, lambda: number, steps: number): number {
    const k = this.k;
    const G = gram(Y, k);
    for (let f = 0; f < k; f++) G[f * k + f] += lambda;
    const nRows = csr.offsets.length - 1;
    let reduction = 0;
    let counted = 0;
    for (let row = 0; row < nRows; row++) {
      const from = csr.offsets[row];
      const to = csr.offsets[row + 1];
      const red = this.solveRow(X, row * k, G, Y, csr, from, to, steps);
      if (red >= 0) {
        reduction += red;
        counted++;
      }
    }
    return counted ? reduction / counted : 0;
  }

  /**
   * x = X[off..off+k) solves (G + sum_j w_j y_j y_jᵀ) x = sum_j p_j (1 + w_j) y_j over entries
   * from..to of csr, by `steps` CG steps from the current x. Returns |r_end| / |r_start|
   * (-1 when the start was already exact).
   */
  solveRow(X: Float32Array, off: number, G: Float64Array, Y: Float32Array, csr: Csr, from: number, to: number, steps: number): number {
    const k = this.k;
    const { x, r, d, ad } = this;
    for (let f = 0; f < k; f++) x[f] = X[off + f];
    // r = b - A x
    this.applyA(x, r, G, Y, csr, from, to);
    for (let f = 0; f < k; f++) r[f] = -r[f];
    const { index, weight, pref } = csr;
    for (let j = from; j < to; j++) {
      if (pref[j] === 0) continue;
      const c = 1 + weight[j];
      const yo = index[j] * k;
      for (let f = 0; f < k; f++) r[f] += c * Y[yo + f];
    }
    let rr = 0;
    for (let f = 0; f < k; f++) {
      d[f] = r[f];
      rr += r[f] * r[f];
    }
    const rr0 = rr;
    if (rr0 === 0) return -1;
    for (let s = 0; s < steps; s++) {
      this.applyA(d, ad, G, Y, csr, from, to);
      let dad = 0;
      for (let f = 0; f < k; f++) dad += d[f] * ad[f];
      if (!(dad > 0)) break;
      const a = rr / dad;
      let rrNew = 0;
      for (let f = 0; f < k; f++) {
        x[f] += a * d[f];
        r[f] -= a * ad[f];
        rrNew += r[f] * r[f];
      }
      if (rrNew <= 1e-20 * rr0) {
        rr = rrNew;
        break;
      }
      const beta = rrNew / rr;
      for (let f = 0; f < k; f++) d[f] = r[f] + beta * d[f];
      rr = rrNew;
    }
    for (let f = 0; f < k; f++) X[off + f] = x[f];
    return Math.sqrt(rr / rr0);
  }

  /** out = (G + sum_j w_j y_j y_jᵀ) v */
  private applyA(v: Float64Array, out: Float64Array, G: Float64Array, Y: Float32Array, csr: Csr, from: number, to: number): void {
    const k = this.k;
    for (let a = 0; a < k; a++) out[a] = dotRow(G, a * k, v, k);
    const { index, weight } = csr;
    for (let j = from; j < to; j++) {
      const w = weight[j];
      if (w === 0) continue;
      const yo = index[j] * k;
      const s = w * dotRow(Y, yo, v, k);
      for (let f = 0; f < k; f++) out[f] += s * Y[yo + f];
    }
  }
}

/** M[off..off+k) · v, four independent sums so the adds do not wait on each other. */
function dotRow(M: Float32Array | Float64Array, off: number, v: Float64Array, k: number): number {
  const k4 = k - (k % 4);
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let f = 0;
  for (; f < k4; f += 4) {
    d0 += M[off + f] * v[f];
    d1 += M[off + f + 1] * v[f + 1];
    d2 += M[off + f + 2] * v[f + 2];
    d3 += M[off + f + 3] * v[f + 3];
  }
  for (; f < k; f++) d0 += M[off + f] * v[f];
  return d0 + d1 + (d2 + d3);
}
