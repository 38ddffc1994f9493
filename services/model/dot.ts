// The dot product every scorer and solver shares: q_i·p_u when ranking and training, rows of the
// Gram matrix in the ALS solver. Four independent sums so the adds do not wait on each other; the
// sums are joined as d0 + d1 + (d2 + d3), and the SIMD ranker's exact re-scoring depends on every
// caller adding in this very order (its results must equal topNForUser's bit for bit). Small and
// branch-light on purpose, so V8 inlines it into each caller's hot loop.

/** a[aOff..aOff+k) · b[bOff..bOff+k). */
export function dot(a: Float32Array | Float64Array, aOff: number, b: Float32Array | Float64Array, bOff: number, k: number): number {
  const k4 = k - (k % 4);
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let f = 0;
  for (; f < k4; f += 4) {
    d0 += a[aOff + f] * b[bOff + f];
    d1 += a[aOff + f + 1] * b[bOff + f + 1];
    d2 += a[aOff + f + 2] * b[bOff + f + 2];
    d3 += a[aOff + f + 3] * b[bOff + f + 3];
  }
  for (; f < k; f++) d0 += a[aOff + f] * b[bOff + f];
  return d0 + d1 + (d2 + d3);
}
