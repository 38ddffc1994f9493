// The arithmetic of one ALS half-sweep, run on the calling thread or on worker threads
// (ials-worker.ts). See ials.ts for the method.
import { dot } from './dot.ts';

/** Add the upper triangle of sum_r y_r y_rᵀ over rows from..to of Y into G (k × k, float64). */
export function gramRows(Y: Float32Array, k: number, from: number, to: number, G: Float64Array, y: Float64Array): void {
  for (let r = from; r < to; r++) {
    const off = r * k;
    for (let f = 0; f < k; f++) y[f] = Y[off + f];
    for (let a = 0; a < k; a++) {
      const ya = y[a];
      if (ya === 0) continue;
      const row = a * k;
      for (let b = a; b < k; b++) G[row + b] += ya * y[b];
    }
  }
}

/** Rows from..to of Y mapped to v = L⁻¹ y (forward substitution with L = Uᵀ) into V (float64). */
export function whitenRows(Y: Float32Array, U: Float64Array, k: number, from: number, to: number, V: Float64Array): void {
  for (let r = from; r < to; r++) {
    const o = r * k;
    for (let a = 0; a < k; a++) {
      let s = Y[o + a];
      for (let b = 0; b < a; b++) s -= U[b * k + a] * V[o + b];
      V[o + a] = s / U[a * k + a];
    }
  }
}

/** out = (G + sum_j w_j y_j y_jᵀ) v over entries from..to; G null means the identity. */
export function applyA(
  v: Float64Array,
  out: Float64Array,
  G: Float64Array | null,
  Y: Float32Array | Float64Array,
  index: Uint32Array,
  weight: Float32Array,
  from: number,
  to: number,
  k: number,
): void {
  if (G) for (let a = 0; a < k; a++) out[a] = dot(G, a * k, v, 0, k);
  else for (let a = 0; a < k; a++) out[a] = v[a];
  for (let j = from; j < to; j++) {
    const w = weight[j];
    if (w === 0) continue;
    const yo = index[j] * k;
    const s = w * dot(Y, yo, v, 0, k);
    for (let f = 0; f < k; f++) out[f] += s * Y[yo + f];
  }
}

/**
 * `steps` CG steps on x for (G + sum_j w_j y_j y_jᵀ) x = sum_j p_j (1 + w_j) y_j (G null = identity),
 * from the x given. Returns |r_end| / |r_start|, or -1 when the start was already exact.
 */
export function cgSteps(
  x: Float64Array,
  r: Float64Array,
  d: Float64Array,
  ad: Float64Array,
  G: Float64Array | null,
  Y: Float32Array | Float64Array,
  index: Uint32Array,
  weight: Float32Array,
  pref: Uint8Array,
  from: number,
  to: number,
  k: number,
  steps: number,
): number {
  applyA(x, r, G, Y, index, weight, from, to, k);
  for (let f = 0; f < k; f++) r[f] = -r[f];
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
    applyA(d, ad, G, Y, index, weight, from, to, k);
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
  return Math.sqrt(rr / rr0);
}

/**
 * Solve rows rowFrom..rowTo of X (in place, warm-started). Plain (`V` null): M is the Gram matrix
 * G = YᵀY + lambda·I. Whitened (`V` = rows of Y times L⁻ᵀ): M is U = Lᵀ, the solve runs on
 * z = Lᵀx against I + sum_j w_j v_j v_jᵀ and writes back x = L⁻ᵀz. Adds the rows' residual
 * reductions to out[0] and their count to out[1].
 */
export function solveRows(
  X: Float32Array,
  Y: Float32Array,
  M: Float64Array,
  V: Float64Array | null,
  offsets: Float64Array,
  index: Uint32Array,
  weight: Float32Array,
  pref: Uint8Array,
  k: number,
  steps: number,
  rowFrom: number,
  rowTo: number,
  out: Float64Array,
): void {
  const x = new Float64Array(k);
  const r = new Float64Array(k);
  const d = new Float64Array(k);
  const ad = new Float64Array(k);
  for (let row = rowFrom; row < rowTo; row++) {
    const off = row * k;
    const from = offsets[row];
    const to = offsets[row + 1];
    let red;
    if (V === null) {
      for (let f = 0; f < k; f++) x[f] = X[off + f];
      red = cgSteps(x, r, d, ad, M, Y, index, weight, pref, from, to, k, steps);
      for (let f = 0; f < k; f++) X[off + f] = x[f];
    } else {
      for (let a = 0; a < k; a++) {
        let s = 0;
        for (let b = a; b < k; b++) s += M[a * k + b] * X[off + b];
        x[a] = s;
      }
      red = cgSteps(x, r, d, ad, null, V, index, weight, pref, from, to, k, steps);
      // x = L⁻ᵀz by back substitution into r (free once CG is done).
      for (let a = k - 1; a >= 0; a--) {
        let s = x[a];
        for (let b = a + 1; b < k; b++) s -= M[a * k + b] * r[b];
        r[a] = s / M[a * k + a];
      }
      for (let f = 0; f < k; f++) X[off + f] = r[f];
    }
    if (red >= 0) {
      out[0] += red;
      out[1]++;
    }
  }
}
