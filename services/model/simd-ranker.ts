// A faster drop-in for the model's topNForUser, with the very same answers.
//
// Why: a cache miss scores every item, ~2.7 M multiply-adds for 27k movies × 100 factors; plain JS
// takes a few ms for that, too slow for 1,000 uncached req/s. Here it takes two passes:
//  1. a WebAssembly SIMD kernel computes items' scores b_i + q_i·p_u in float32 (4 lanes), block by
//     block, rows stored longest first: it stops once no row left can reach the n-th best score so
//     far (b_i + q_i·p_u ≤ b_i + |q_i|·|p_u|, Cauchy-Schwarz). A trained iALS model's popular movies
//     have the long rows, so on the course-scale model about a tenth of the catalogue is scored;
//  2. JS takes the n-th best approximate score T among unseen scored items and re-scores exactly,
//     with topNForUser's own float64 arithmetic, only the items whose approximate score is within a
//     proven error margin of T; the n best of those (ties to the lower index) are the answer.
// The margin bounds float32 rounding (Higham's γ for m-term sums, with |Σ p_f q_f| ≤ |p|·|q|), so
// every item topNForUser would return is among the candidates: the result is identical, and the
// candidates are typically n plus a handful.
//
// The kernel is assembled here from its instructions (no toolchain needed); in text form:
//   (func (export "score") (param $q $p $bias $out $n $kp i32)   ;; byte offsets, counts
//     for i in 0..n: row = q + i*kp*4; a0 = a1 = a2 = a3 = f32x4(0)
//       for f in 0..kp - kp%16 step 16:                       ;; four independent chains, so the
//         a0 += v128.load(row + f*4) * v128.load(p + f*4)     ;; adds do not wait on each other
//         a1 += ... + 16 bytes; a2 += ... + 32; a3 += ... + 48
//       for the rest, step 4: a0 += v128.load(row + f*4) * v128.load(p + f*4)
//       acc = (a0 + a1) + (a2 + a3)
//       out[i] = bias[i] + ((acc.0 + acc.1) + (acc.2 + acc.3)))
// Rows are padded with zeros to kp = k rounded up to a multiple of 4. A term goes through at most
// kp/16 + 3 accumulator adds, 2 to join the chains, 2 across lanes and the bias add, never more
// than the kp/4 + 4 roundings the error margin in rankTopN allows for (adds to an exact zero do
// not round, which covers kp < 16).
import { dot } from './dot.ts';
import type { Model } from './types.ts';

/** Ranking of one user's unseen movies, best first, as topNForUser does it. */
export type RankFn = (model: Model, userIndex: number, n: number) => Uint32Array;

// --- a tiny WebAssembly assembler: just what the kernel needs -------------------------------
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const I32 = 0x7f;
const V128 = 0x7b;
const get = (l: number) => [0x20, l];
const set = (l: number) => [0x21, l];
const i32 = (v: number) => [0x41, ...sleb(v)];
const simd = (op: number, ...imm: number[]) => [0xfd, ...uleb(op), ...imm];
const memarg = (alignLog2: number, offset = 0) => [alignLog2, ...uleb(offset)];
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, d],
  brIf: (d: number) => [0x0d, d],
  i32Add: [0x6a],
  i32Mul: [0x6c],
  i32Shl: [0x74],
  i32And: [0x71],
  i32GeS: [0x4e],
  i32LtS: [0x48],
  f32Load: [0x2a, ...memarg(2)],
  f32Store: [0x38, ...memarg(2)],
  f32Add: [0x92],
  v128Load: simd(0x00, ...memarg(2)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  f32x4Lane: (l: number) => simd(0x1f, l),
  f32x4Add: simd(0xe4),
  f32x4Mul: simd(0xe6),
};

// Parameters 0..5: q, p, bias, out (byte offsets), n, kp; locals: i, f (byte offset in a row),
// row (byte address), rowBytes, mainBytes (the part done four vectors at a time), a0..a3, acc.
const [Q, P, BIAS, OUT, N, KP, I, F, ROW, ROWB, MAINB, A0, A1, A2, A3, ACC] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const addr = (base: number, index: number) => [...get(base), ...get(index), ...i32(2), ...op.i32Shl, ...op.i32Add];
/** a += v128.load(row + f + off) * v128.load(p + f + off) */
const madd = (a: number, off: number) => [
  ...get(a),
  ...get(ROW), ...get(F), ...op.i32Add, ...simd(0x00, ...memarg(2, off)),
  ...get(P), ...get(F), ...op.i32Add, ...simd(0x00, ...memarg(2, off)),
  ...op.f32x4Mul, ...op.f32x4Add, ...set(a),
];
const body = [
  ...vec([
    [5, I32],
    [5, V128],
  ]),
  ...get(KP), ...i32(2), ...op.i32Shl, ...set(ROWB),
  ...get(KP), ...i32(-16), ...op.i32And, ...i32(2), ...op.i32Shl, ...set(MAINB),
  ...get(Q), ...set(ROW),
  ...op.block,
  ...op.loop,
  ...get(I), ...get(N), ...op.i32GeS, ...op.brIf(1),
  ...op.v128Zero, ...set(A0),
  ...op.v128Zero, ...set(A1),
  ...op.v128Zero, ...set(A2),
  ...op.v128Zero, ...set(A3),
  ...i32(0), ...set(F),
  // four vectors at a time
  ...op.block,
  ...op.loop,
  ...get(F), ...get(MAINB), ...op.i32GeS, ...op.brIf(1),
  ...madd(A0, 0), ...madd(A1, 16), ...madd(A2, 32), ...madd(A3, 48),
  ...get(F), ...i32(64), ...op.i32Add, ...set(F),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // the remaining vectors (kp % 16 / 4 of them)
  ...op.block,
  ...op.loop,
  ...get(F), ...get(ROWB), ...op.i32GeS, ...op.brIf(1),
  ...madd(A0, 0),
  ...get(F), ...i32(16), ...op.i32Add, ...set(F),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...get(A0), ...get(A1), ...op.f32x4Add, ...get(A2), ...get(A3), ...op.f32x4Add, ...op.f32x4Add, ...set(ACC),
  ...addr(OUT, I),
  ...addr(BIAS, I), ...op.f32Load,
  ...get(ACC), ...op.f32x4Lane(0), ...get(ACC), ...op.f32x4Lane(1), ...op.f32Add,
  ...get(ACC), ...op.f32x4Lane(2), ...get(ACC), ...op.f32x4Lane(3), ...op.f32Add,
  ...op.f32Add, ...op.f32Add,
  ...op.f32Store,
  ...get(ROW), ...get(ROWB), ...op.i32Add, ...set(ROW),
  ...get(I), ...i32(1), ...op.i32Add, ...set(I),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.end,
];

/** WebAssembly memory is addressed with 32-bit offsets; keep well inside that. */
export const MAX_PAGES = 32_768; // 2 GiB
const PAGE = 65_536;

/** The kernel module; `shared` imports a shared memory (for worker threads, see rank-pool.ts). */
export function kernelWasm(shared: boolean): Uint8Array<ArrayBuffer> {
  const limits = shared ? [0x03, ...uleb(1), ...uleb(MAX_PAGES)] : [0x00, ...uleb(1)];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0]])), // type: (i32 x6) -> ()
    ...section(2, vec([[...name('env'), ...name('mem'), 0x02, ...limits]])), // import memory
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('score'), 0x00, 0]])),
    ...section(10, vec([[...uleb(body.length), ...body]])),
  ]);
}
export const KERNEL_WASM = kernelWasm(false);

/**
 * Where things live in the kernel's memory: item rows and biases, then one scratch slot per thread.
 * Rows are stored by position, in descending order of their norm |q_i| (`order[position]` is the
 * item): a user's best movies are nearly always among the long rows (popular movies), so pass 1
 * scores the catalogue from the top and stops where no row further down can still reach the top n.
 */
export interface KernelLayout {
  nItems: number;
  k: number;
  /** Row stride: k rounded up to a multiple of 4 (the padding is zeros). */
  kp: number;
  qOff: number;
  biasOff: number;
  slots: Array<{ pOff: number; outOff: number }>;
  pages: number;
  /** The item at each position. */
  order: Uint32Array;
  /** The position of each item. */
  position: Uint32Array;
  /** |q| of the row at each position (non-increasing), and the largest b_i at that position or after. */
  normAt: Float64Array;
  maxBiasFrom: Float64Array;
  /** Largest |q_i| and |b_i|, for the error margin. */
  maxItemNorm: number;
  maxAbsBias: number;
}

/** The layout for `model` with `slots` concurrent scorers, or null when it would not fit in MAX_PAGES. */
export function kernelLayout(model: Model, slots: number): KernelLayout | null {
  const nItems = model.itemIds.length;
  const k = model.params.factors;
  const kp = Math.ceil(k / 4) * 4;
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const qOff = 0;
  const biasOff = align(nItems * kp * 4);
  let end = align(biasOff + nItems * 4);
  const out: KernelLayout['slots'] = [];
  for (let s = 0; s < slots; s++) {
    const pOff = end;
    const outOff = align(pOff + kp * 4);
    end = align(outOff + nItems * 4);
    out.push({ pOff, outOff });
  }
  const pages = Math.ceil(end / PAGE);
  if (pages > MAX_PAGES) return null;
  const norms = new Float64Array(nItems);
  let maxAbsBias = 0;
  for (let i = 0; i < nItems; i++) {
    let sq = 0;
    for (let f = 0; f < k; f++) sq += model.itemFactors[i * k + f] ** 2;
    norms[i] = Math.sqrt(sq);
    maxAbsBias = Math.max(maxAbsBias, Math.abs(model.itemBias[i]));
  }
  const order = Uint32Array.from({ length: nItems }, (_, i) => i).sort((a, b) => norms[b] - norms[a] || a - b);
  const position = new Uint32Array(nItems);
  const normAt = new Float64Array(nItems);
  const maxBiasFrom = new Float64Array(nItems + 1).fill(-Infinity);
  for (let j = 0; j < nItems; j++) {
    position[order[j]] = j;
    normAt[j] = norms[order[j]];
  }
  for (let j = nItems - 1; j >= 0; j--) maxBiasFrom[j] = Math.max(maxBiasFrom[j + 1], model.itemBias[order[j]]);
  const maxItemNorm = nItems ? normAt[0] : 0;
  return { nItems, k, kp, qOff, biasOff, slots: out, pages, order, position, normAt, maxBiasFrom, maxItemNorm, maxAbsBias };
}

/** Whether this runtime can run the kernel for `model` (WebAssembly SIMD, a non-empty catalogue). */
export function kernelSupports(model: Model): boolean {
  const k = model.params.factors;
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(KERNEL_WASM)) return false;
  if (k === 0 || model.itemIds.length === 0) return false;
  if (model.itemFactors.length !== model.itemIds.length * k || model.itemBias.length !== model.itemIds.length) {
    throw new Error(`model item arrays do not match ${model.itemIds.length} items × ${k} factors`);
  }
  return true;
}

/** Copies the item factors (padded rows, in `layout.order`) and biases into `memory` at `layout`. */
export function loadItems(memory: WebAssembly.Memory, layout: KernelLayout, model: Model): void {
  const { nItems, k, kp, order } = layout;
  const q = new Float32Array(memory.buffer, layout.qOff, nItems * kp);
  const bias = new Float32Array(memory.buffer, layout.biasOff, nItems);
  for (let j = 0; j < nItems; j++) {
    const i = order[j];
    q.set(model.itemFactors.subarray(i * k, i * k + k), j * kp);
    bias[j] = model.itemBias[i];
  }
}

/** The kernel: scores positions [from, from + count) into the slot's output, for the user row in the slot. */
export type ScoreRange = (from: number, count: number) => void;

/** The kernel's `score` export bound to `layout` and one slot. */
export function scoreRange(instance: WebAssembly.Instance, layout: KernelLayout, slot: number): ScoreRange {
  const score = instance.exports.score as (q: number, p: number, bias: number, out: number, n: number, kp: number) => void;
  const { pOff, outOff } = layout.slots[slot];
  const rowBytes = layout.kp * 4;
  return (from, count) => score(layout.qOff + from * rowBytes, pOff, layout.biasOff + from * 4, outOff + from * 4, count, layout.kp);
}

/** The movie side of both passes, the same for every request. */
export interface ExactItems {
  /** Movie rows of stride `kp` (k factors, then zero padding), by position. */
  Q: Float32Array;
  kp: number;
  k: number;
  /** Biases by position. */
  bias: Float32Array;
  order: Uint32Array;
  position: Uint32Array;
  normAt: Float64Array;
  maxBiasFrom: Float64Array;
  /** Largest |q_i| and |b_i|, for the error margin. */
  maxItemNorm: number;
  maxAbsBias: number;
  /** nItems bytes of scratch (by position), all zero before and after each call. */
  marks: Uint8Array;
}

/** The user side of pass 2. */
export interface ExactUser {
  /** The user's row of k factors, and its norm |P|. */
  P: Float32Array;
  pNorm: number;
  /** Seen items (item indexes, not positions). */
  seen: ArrayLike<number>;
}

/** The slice of `layout` and `memory` that the passes read, with fresh scratch marks. */
export function exactItems(memory: WebAssembly.Memory, layout: KernelLayout): ExactItems {
  const { nItems, k, kp } = layout;
  return {
    Q: new Float32Array(memory.buffer, layout.qOff, nItems * kp),
    kp,
    k,
    bias: new Float32Array(memory.buffer, layout.biasOff, nItems),
    order: layout.order,
    position: layout.position,
    normAt: layout.normAt,
    maxBiasFrom: layout.maxBiasFrom,
    maxItemNorm: layout.maxItemNorm,
    maxAbsBias: layout.maxAbsBias,
    marks: new Uint8Array(nItems),
  };
}

/** Positions pass 1 scores at a time before it checks whether the rest can still matter. */
export const BLOCK = 512;

/** What one ranking did, for tests and benchmarks: how many positions pass 1 scored. */
export interface RankStats {
  scored: number;
}

/**
 * Both passes: the `n` best unseen items by topNForUser's exact float64 score. Pass 1 runs the
 * kernel (`run`, writing float32 scores into `approx`, by position) block by block from the longest
 * rows down, and stops once every unscored row's best possible exact score, b + |p|·|q| (Cauchy-
 * Schwarz), lies more than the float32 error margin below the n-th best approximate score so far:
 * then at least n scored movies beat each unscored one, which cannot be in the answer.
 */
export function rankTopN(run: ScoreRange, approx: Float32Array, items: ExactItems, user: ExactUser, n: number, stats?: RankStats): Uint32Array {
  const { Q, kp, k, bias, order, position, normAt, maxBiasFrom, maxItemNorm, maxAbsBias, marks } = items;
  const { P, pNorm, seen } = user;
  const nItems = approx.length;
  const cap = Math.max(0, Math.min(n, nItems));
  if (cap === 0) return new Uint32Array(0);
  for (let s = 0; s < seen.length; s++) marks[position[seen[s]]] = 1;

  // |float32 score - exact score| <= γ(m) · (|p|·|q_i| + |b_i|) with m = kp/4 + 4 roundings per lane
  // chain, u = 2^-24; the float64 side's error is far smaller. Twice the sum of both sides' bounds.
  const m = kp / 4 + 4;
  const gamma = (m * 2 ** -24) / (1 - m * 2 ** -24);
  const margin = 4 * gamma * (pNorm * maxItemNorm + maxAbsBias) + Number.MIN_VALUE;

  // Pass 1 with the cap-th largest approximate score among unseen scored items (a min-heap of the
  // best cap values).
  const heap = new Float64Array(cap);
  let size = 0;
  let scored = 0;
  while (scored < nItems) {
    if (size === cap && maxBiasFrom[scored] + pNorm * normAt[scored] + 2 * margin < heap[0]) break;
    const to = Math.min(nItems, scored + BLOCK);
    run(scored, to - scored);
    for (let j = scored; j < to; j++) {
      if (marks[j] === 1) continue;
      const v = approx[j];
      if (size < cap) {
        let c = size++;
        while (c > 0 && heap[(c - 1) >> 1] > v) {
          heap[c] = heap[(c - 1) >> 1];
          c = (c - 1) >> 1;
        }
        heap[c] = v;
      } else if (v > heap[0]) {
        let c = 0;
        for (;;) {
          const l = 2 * c + 1;
          if (l >= size) break;
          const mm = l + 1 < size && heap[l + 1] < heap[l] ? l + 1 : l;
          if (heap[mm] >= v) break;
          heap[c] = heap[mm];
          c = mm;
        }
        heap[c] = v;
      }
    }
    scored = to;
  }
  if (stats) stats.scored = scored;
  const threshold = size < cap ? -Infinity : heap[0];

  // Pass 2: the cap best candidates by exact score, best first, kept sorted as they come; among
  // equal scores the lower item index first (topNForUser's tie rule). Bounded, so a user whose
  // scores all tie (every movie a candidate) costs one pass, not an array and a sort.
  const bestScore = new Float64Array(cap);
  const bestItem = new Uint32Array(cap);
  let count = 0;
  // A user with an all-zero row (no interactions) scores every movie at exactly its bias.
  const zeroUser = pNorm === 0;
  for (let j = 0; j < scored; j++) {
    if (marks[j] === 1 || !(approx[j] >= threshold - margin)) continue;
    // topNForUser's arithmetic, term for term (the shared dot), so the score is bit-identical.
    const score = zeroUser ? bias[j] + 0 : bias[j] + dot(P, 0, Q, j * kp, k);
    const item = order[j];
    if (count === cap && !(score > bestScore[cap - 1] || (score === bestScore[cap - 1] && item < bestItem[cap - 1]))) continue;
    let at = count < cap ? count++ : cap - 1;
    while (at > 0 && (bestScore[at - 1] < score || (bestScore[at - 1] === score && bestItem[at - 1] > item))) {
      bestScore[at] = bestScore[at - 1];
      bestItem[at] = bestItem[at - 1];
      at--;
    }
    bestScore[at] = score;
    bestItem[at] = item;
  }
  for (let s = 0; s < seen.length; s++) marks[position[seen[s]]] = 0;
  return count === cap ? bestItem : bestItem.slice(0, count);
}

/** |v| of a factor row. */
export function norm(v: Float32Array): number {
  let sq = 0;
  for (let f = 0; f < v.length; f++) sq += v[f] * v[f];
  return Math.sqrt(sq);
}

/**
 * A ranking function equal to topNForUser for `model`, on this thread, or null when this runtime
 * has no WebAssembly SIMD or the items do not fit. Copies the item factors and biases once
 * (nItems × (factors + 1) × 4 bytes).
 */
export function createSimdRanker(model: Model, stats?: RankStats): RankFn | null {
  if (!kernelSupports(model)) return null;
  const layout = kernelLayout(model, 1);
  if (!layout) return null;
  const { nItems, k, kp } = layout;
  const memory = new WebAssembly.Memory({ initial: layout.pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(KERNEL_WASM), { env: { mem: memory } });
  loadItems(memory, layout, model);
  const run = scoreRange(instance, layout, 0);
  const { pOff, outOff } = layout.slots[0];
  const p = new Float32Array(memory.buffer, pOff, kp);
  const approx = new Float32Array(memory.buffer, outOff, nItems);
  const items = exactItems(memory, layout);

  return (m: Model, u: number, n: number): Uint32Array => {
    if (m !== model) throw new Error('this ranker was built for another model');
    if (!Number.isInteger(u) || u < 0 || u >= model.userIds.length) throw new RangeError(`user index ${u} is outside 0..${model.userIds.length - 1}`);
    const row = model.userFactors.subarray(u * k, u * k + k);
    p.set(row); // the padding past k stays zero
    const seen = model.seenItems.subarray(model.seenOffsets[u], model.seenOffsets[u + 1]);
    return rankTopN(run, approx, items, { P: row, pNorm: norm(row), seen }, n, stats);
  };
}
