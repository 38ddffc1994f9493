// One rank-pool.ts thread: scores movies with the SIMD kernel over the shared memory (from the
// longest rows down, until the rest cannot matter), re-scores the close ones exactly
// (simd-ranker.ts rankTopN), and answers with the ranked movie indexes.
import { parentPort, workerData } from 'node:worker_threads';
import { exactItems, rankTopN, scoreRange, type KernelLayout } from './simd-ranker.ts';

/** What rank-pool.ts hands each worker once. */
export interface RankWorkerData {
  memory: WebAssembly.Memory;
  kernel: Uint8Array<ArrayBuffer>;
  layout: KernelLayout;
  slot: number;
}

/** One request: the user's factor row, its norm and seen movies. */
export interface RankJob {
  id: number;
  pu: Float32Array;
  pNorm: number;
  seen: Uint32Array;
  n: number;
}

export type RankWorkerMessage = { type: 'ready' } | { type: 'ranked'; id: number; items: Uint32Array };

const { memory, kernel, layout, slot } = workerData as RankWorkerData;
const { pOff, outOff } = layout.slots[slot];
const instance = new WebAssembly.Instance(new WebAssembly.Module(kernel), { env: { mem: memory } });
const run = scoreRange(instance, layout, slot);
const p = new Float32Array(memory.buffer, pOff, layout.kp);
const approx = new Float32Array(memory.buffer, outOff, layout.nItems);
const items = exactItems(memory, layout);
const port = parentPort!;

port.on('message', (job: RankJob) => {
  p.set(job.pu);
  const ranked = rankTopN(run, approx, items, { P: job.pu, pNorm: job.pNorm, seen: job.seen }, job.n);
  port.postMessage({ type: 'ranked', id: job.id, items: ranked } satisfies RankWorkerMessage, [ranked.buffer as ArrayBuffer]);
});
port.postMessage({ type: 'ready' } satisfies RankWorkerMessage);
