// Cache misses ranked on worker threads, so a large catalogue uses every core and the event loop
// stays free for cache hits, /metrics and health checks while items are being scored.
//
// The item factors and biases live once in a shared WebAssembly memory; each worker runs the same
// two passes as simd-ranker.ts on its own scratch slot and answers exactly what topNForUser would.
// A request sends the user's factor row and seen items (a few hundred bytes) and gets the ranked
// item indexes back. Workers are started from source text (as the model's SGD workers are), so no
// TypeScript loader is needed in them.
import { Worker } from 'node:worker_threads';
import type { Model } from '../model/types.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { exactTopN, kernelLayout, kernelSupports, kernelWasm, loadItems, norm, type KernelLayout } from './simd-ranker.ts';

export interface RankPool {
  /** The user's top `n` unseen item indexes, best first (as topNForUser). Rejects if no worker can answer. */
  rank(userIndex: number, n: number): Promise<Uint32Array>;
  readonly workers: number;
  close(): Promise<void>;
}

interface Job {
  id: number;
  /** The user's factor row, its norm and seen items. */
  pu: Float32Array;
  pNorm: number;
  seen: Uint32Array;
  n: number;
}

// import() rather than require(): eval'd code is CommonJS or ESM depending on the host's flags.
// tsx and vitest compile with esbuild's keepNames, which wraps inner functions in __name(fn, "name").
const WORKER_SOURCE = `'use strict';
const __name = (fn) => fn;
const exactTopN = ${exactTopN.toString()};
import('node:worker_threads').then(({ parentPort, workerData }) => {
  const { memory, kernel, layout, slot } = workerData;
  const { nItems, k, kp } = layout;
  const { pOff, outOff } = layout.slots[slot];
  const instance = new WebAssembly.Instance(new WebAssembly.Module(kernel), { env: { mem: memory } });
  const score = instance.exports.score;
  const p = new Float32Array(memory.buffer, pOff, kp);
  const approx = new Float32Array(memory.buffer, outOff, nItems);
  const q = new Float32Array(memory.buffer, layout.qOff, nItems * kp);
  const bias = new Float32Array(memory.buffer, layout.biasOff, nItems);
  const marks = new Uint8Array(nItems);
  parentPort.on('message', (job) => {
    p.set(job.pu);
    score(layout.qOff, pOff, layout.biasOff, outOff, nItems, kp);
    const items = exactTopN(approx, job.seen, marks, job.n, q, kp, bias, job.pu, k, job.pNorm, layout.maxItemNorm, layout.maxAbsBias);
    parentPort.postMessage({ id: job.id, items }, [items.buffer]);
  });
});
`;

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (items: Uint32Array) => void; reject: (err: Error) => void }>;
  alive: boolean;
}

/**
 * A pool of `workers` threads ranking for `model`, or null when the kernel cannot serve this model
 * (then rank on the main thread). Workers do not keep the process alive on their own.
 */
export function createRankPool(model: Model, workers: number, logger: Logger = silentLogger): RankPool | null {
  if (workers < 1 || !kernelSupports(model)) return null;
  const k = model.params.factors;
  const layout: KernelLayout | null = kernelLayout(model, workers);
  if (!layout) return null;
  const memory = new WebAssembly.Memory({ initial: layout.pages, maximum: layout.pages, shared: true });
  loadItems(memory, layout, model);
  const kernel = kernelWasm(true);

  let nextId = 0;
  const slots: Slot[] = [];
  for (let slot = 0; slot < workers; slot++) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: `marquee-rank-${slot}`, execArgv: [], workerData: { memory, kernel, layout, slot } });
    const s: Slot = { worker, pending: new Map(), alive: true };
    worker.on('message', (msg: { id: number; items: Uint32Array }) => {
      const p = s.pending.get(msg.id);
      s.pending.delete(msg.id);
      p?.resolve(msg.items);
    });
    const fail = (err: Error) => {
      if (!s.alive) return;
      s.alive = false;
      logger.error('rank worker stopped; its requests fall back to the main thread', { worker: slot, error: err });
      for (const p of s.pending.values()) p.reject(err);
      s.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`rank worker ${slot} exited with code ${code}`)));
    worker.unref();
    slots.push(s);
  }

  return {
    workers,
    rank(u: number, n: number): Promise<Uint32Array> {
      if (!Number.isInteger(u) || u < 0 || u >= model.userIds.length) {
        return Promise.reject(new RangeError(`user index ${u} is outside 0..${model.userIds.length - 1}`));
      }
      // The least busy live worker.
      let best: Slot | undefined;
      for (const s of slots) if (s.alive && (!best || s.pending.size < best.pending.size)) best = s;
      if (!best) return Promise.reject(new Error('no rank worker is running'));
      const pu = model.userFactors.slice(u * k, u * k + k);
      const job: Job = {
        id: nextId++,
        pu,
        pNorm: norm(pu),
        seen: model.seenItems.slice(model.seenOffsets[u], model.seenOffsets[u + 1]),
        n,
      };
      const target = best;
      return new Promise((resolve, reject) => {
        target.pending.set(job.id, { resolve, reject });
        target.worker.postMessage(job, [job.pu.buffer as ArrayBuffer, job.seen.buffer as ArrayBuffer]);
      });
    },
    async close() {
      for (const s of slots) {
        s.alive = false;
        for (const p of s.pending.values()) p.reject(new Error('rank pool closed'));
        s.pending.clear();
      }
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
