// A faster drop-in for the model's topNForUser: the item scores b_i + q_i·p_u are computed by a
// small WebAssembly SIMD kernel (two f64x2 lanes pairs), then the n best unseen items are picked in JS.
//
// Why: a cache miss scores every item, ~2.7 M multiply-adds for 27k movies × 100 factors; plain JS
// does that in a few ms, too slow for 1,000 uncached req/s. The kernel is ~3-5× faster and returns
// the very same ranking: it mirrors topNForUser's arithmetic exactly (float32 factors widened to
// float64, four running sums over f mod 4 combined as (d0 + d1) + (d2 + d3), then bias + sum), so
// every score is bit-identical and ties break the same way (lower index first).
//
// The module is assembled here from its instructions (no toolchain needed); its text form:
//   (func (export "score") (param $q $pd $bias $out $n $k i32)
//     for i in 0..n: accA = accB = 0
//       for f in 0..k step 4: qv = v128.load(q + (i*k + f)*4)
//         accA += promote_low(qv) * v128.load(pd + f*8)          ; lanes f, f+1
//         accB += promote_low(shuffle_hi(qv)) * v128.load(pd + f*8 + 16)  ; lanes f+2, f+3
//       out[i] = f64(bias[i]) + ((accA.0 + accA.1) + (accB.0 + accB.1)))
import type { Model } from '../model/types.ts';
import type { RankFn } from './recommender.ts';

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
const tee = (l: number) => [0x22, l];
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
  i32GeS: [0x4e],
  i32LtS: [0x48],
  f32Load: [0x2a, ...memarg(2)],
  f64Store: [0x39, ...memarg(3)],
  f64Add: [0xa0],
  f64PromoteF32: [0xbb],
  v128Load: (alignLog2: number, offset = 0) => simd(0x00, ...memarg(alignLog2, offset)),
  v128Zero: simd(0x0c, ...new Array<number>(16).fill(0)),
  /** Lanes 2,3 of an f32x4 moved down to 0,1. */
  highHalf: simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7),
  f64x2Lane: (l: number) => simd(0x21, l),
  f64x2PromoteLow: simd(0x5f),
  f64x2Add: simd(0xf0),
  f64x2Mul: simd(0xf2),
};

// Parameters 0..5: q, pd, bias, out (byte offsets), n, k; locals 6..11: i, f, row, accA, accB, qv.
const [Q, PD, BIAS, OUT, N, K, I, F, ROW, ACC_A, ACC_B, QV] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const addr = (base: number, index: number, shift: number) => [...get(base), ...get(index), ...i32(shift), ...op.i32Shl, ...op.i32Add];
const body = [
  ...vec([
    [3, I32],
    [3, V128],
  ]),
  ...op.block,
  ...op.loop,
  ...get(I), ...get(N), ...op.i32GeS, ...op.brIf(1),
  // row = q + (i * k) * 4
  ...get(Q), ...get(I), ...get(K), ...op.i32Mul, ...i32(2), ...op.i32Shl, ...op.i32Add, ...set(ROW),
  ...op.v128Zero, ...set(ACC_A),
  ...op.v128Zero, ...set(ACC_B),
  ...i32(0), ...set(F),
  ...op.loop,
  ...addr(ROW, F, 2), ...op.v128Load(2), ...set(QV),
  ...get(ACC_A), ...get(QV), ...op.f64x2PromoteLow, ...addr(PD, F, 3), ...op.v128Load(3), ...op.f64x2Mul, ...op.f64x2Add, ...set(ACC_A),
  ...get(ACC_B), ...get(QV), ...get(QV), ...op.highHalf, ...op.f64x2PromoteLow, ...addr(PD, F, 3), ...op.v128Load(3, 16), ...op.f64x2Mul, ...op.f64x2Add, ...set(ACC_B),
  ...get(F), ...i32(4), ...op.i32Add, ...tee(F), ...get(K), ...op.i32LtS, ...op.brIf(0),
  ...op.end,
  // out[i] = f64(bias[i]) + ((d0 + d1) + (d2 + d3))
  ...addr(OUT, I, 3),
  ...addr(BIAS, I, 2), ...op.f32Load, ...op.f64PromoteF32,
  ...get(ACC_A), ...op.f64x2Lane(0), ...get(ACC_A), ...op.f64x2Lane(1), ...op.f64Add,
  ...get(ACC_B), ...op.f64x2Lane(0), ...get(ACC_B), ...op.f64x2Lane(1), ...op.f64Add,
  ...op.f64Add, ...op.f64Add,
  ...op.f64Store,
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

/** Byte offsets in the kernel's memory: item factors and biases, then one scratch slot per thread. */
export interface KernelLayout {
  nItems: number;
  k: number;
  qOff: number;
  biasOff: number;
  slots: Array<{ pdOff: number; outOff: number }>;
  pages: number;
}

/** The memory layout for `slots` concurrent scorers, or null when it would not fit in MAX_PAGES. */
export function kernelLayout(nItems: number, k: number, slots: number): KernelLayout | null {
  const align = (n: number) => Math.ceil(n / 16) * 16;
  const qOff = 0;
  const biasOff = align(nItems * k * 4);
  let end = align(biasOff + nItems * 4);
  const out: KernelLayout['slots'] = [];
  for (let s = 0; s < slots; s++) {
    const pdOff = end;
    const outOff = align(pdOff + k * 8);
    end = align(outOff + nItems * 8);
    out.push({ pdOff, outOff });
  }
  const pages = Math.ceil(end / PAGE);
  return pages > MAX_PAGES ? null : { nItems, k, qOff, biasOff, slots: out, pages };
}

/** Whether `model` can be ranked by the kernel at all (SIMD available, factors a multiple of 4). */
export function kernelSupports(model: Model): boolean {
  const k = model.params.factors;
  if (typeof WebAssembly === 'undefined' || !WebAssembly.validate(KERNEL_WASM)) return false;
  if (k % 4 !== 0 || k === 0 || model.itemIds.length === 0) return false;
  if (model.itemFactors.length !== model.itemIds.length * k || model.itemBias.length !== model.itemIds.length) {
    throw new Error(`model item arrays do not match ${model.itemIds.length} items × ${k} factors`);
  }
  return true;
}

/** Copies the item factors and biases into `memory` at `layout`. */
export function loadItems(memory: WebAssembly.Memory, layout: KernelLayout, model: Model): void {
  new Float32Array(memory.buffer, layout.qOff, layout.nItems * layout.k).set(model.itemFactors);
  new Float32Array(memory.buffer, layout.biasOff, layout.nItems).set(model.itemBias);
}

/**
 * The `n` best unseen items given every item's score, best first; ties go to the lower index.
 * Self-contained (no outside references) because rank-pool.ts ships its source to worker threads.
 * `marks` is nItems bytes of scratch, all zero before and after.
 */
export function selectTopN(scores: Float64Array, seen: ArrayLike<number>, marks: Uint8Array, n: number): Uint32Array {
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib);
  const nItems = scores.length;
  for (let s = 0; s < seen.length; s++) marks[seen[s]] = 1;
  const cap = Math.max(0, Math.min(n, nItems));
  const heapScore = new Float64Array(cap);
  const heapItem = new Uint32Array(cap);
  let size = 0;
  // A min-heap (worst kept item on top) of the best `cap` unseen items.
  for (let i = 0; i < nItems; i++) {
    if (marks[i] === 1) continue;
    const sc = scores[i];
    if (size < cap) {
      let c = size++;
      while (c > 0) {
        const parent = (c - 1) >> 1;
        if (!worse(sc, i, heapScore[parent], heapItem[parent])) break;
        heapScore[c] = heapScore[parent];
        heapItem[c] = heapItem[parent];
        c = parent;
      }
      heapScore[c] = sc;
      heapItem[c] = i;
    } else if (cap > 0 && worse(heapScore[0], heapItem[0], sc, i)) {
      let c = 0;
      for (;;) {
        const l = 2 * c + 1;
        if (l >= size) break;
        const r = l + 1;
        const w = r < size && worse(heapScore[r], heapItem[r], heapScore[l], heapItem[l]) ? r : l;
        if (!worse(heapScore[w], heapItem[w], sc, i)) break;
        heapScore[c] = heapScore[w];
        heapItem[c] = heapItem[w];
        c = w;
      }
      heapScore[c] = sc;
      heapItem[c] = i;
    }
  }
  for (let s = 0; s < seen.length; s++) marks[seen[s]] = 0;
  const order = Array.from({ length: size }, (_, j) => j).sort((a, b) => (worse(heapScore[a], heapItem[a], heapScore[b], heapItem[b]) ? 1 : -1));
  const out = new Uint32Array(size);
  for (let j = 0; j < size; j++) out[j] = heapItem[order[j]];
  return out;
}

/**
 * A ranking function equal to topNForUser for `model`, on this thread, or null when this runtime
 * has no WebAssembly SIMD, the factor count is not a multiple of 4, or the items do not fit.
 * Copies the item factors and biases once (nItems × (factors + 1) × 4 bytes).
 */
export function createSimdRanker(model: Model): RankFn | null {
  if (!kernelSupports(model)) return null;
  const k = model.params.factors;
  const layout = kernelLayout(model.itemIds.length, k, 1);
  if (!layout) return null;
  const memory = new WebAssembly.Memory({ initial: layout.pages });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(KERNEL_WASM), { env: { mem: memory } });
  const score = instance.exports.score as (q: number, pd: number, bias: number, out: number, n: number, k: number) => void;
  loadItems(memory, layout, model);
  const { pdOff, outOff } = layout.slots[0];
  const pd = new Float64Array(memory.buffer, pdOff, k);
  const scores = new Float64Array(memory.buffer, outOff, layout.nItems);
  const marks = new Uint8Array(layout.nItems);

  return (m: Model, u: number, n: number): Uint32Array => {
    if (m !== model) throw new Error('this ranker was built for another model');
    if (!Number.isInteger(u) || u < 0 || u >= model.userIds.length) throw new RangeError(`user index ${u} is outside 0..${model.userIds.length - 1}`);
    pd.set(model.userFactors.subarray(u * k, u * k + k)); // float32 -> float64, exact
    score(layout.qOff, pdOff, layout.biasOff, outOff, layout.nItems, k);
    return selectTopN(scores, model.seenItems.subarray(model.seenOffsets[u], model.seenOffsets[u + 1]), marks, n);
  };
}
