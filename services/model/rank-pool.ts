// Cache misses ranked on worker threads, so a large catalogue uses every core and the event loop
// stays free for cache hits, /metrics and health checks while movies are being scored.
//
// The movie factors and biases live once in a shared WebAssembly memory; each worker
// (rank-worker.ts) runs the same two passes as simd-ranker.ts on its own scratch slot and answers
// exactly what topNForUser would. A request sends the user's factor row and seen movies (a few
// hundred bytes) and gets the ranked movie indexes back.
import type { Worker } from 'node:worker_threads';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import type { RankJob, RankWorkerData, RankWorkerMessage } from './rank-worker.ts';
import { kernelLayout, kernelSupports, kernelWasm, loadItems, norm, type KernelLayout } from './simd-ranker.ts';
import { startWorker } from './ts-worker.ts';
import type { Model } from './types.ts';

export interface RankPool {
  /** The user's top `n` unseen movie indexes, best first (as topNForUser). Rejects if no worker can answer. */
  rank(userIndex: number, n: number): Promise<Uint32Array>;
  /**
   * Whether some worker has loaded its code. Until then a request waits for the start-up (a
   * worker compiles its TypeScript first), so a caller with a main-thread ranker may prefer that.
   */
  readonly ready: boolean;
  readonly workers: number;
  close(): Promise<void>;
}

const WORKER = new URL('./rank-worker.ts', import.meta.url);

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
  let ready = false;
  const slots: Slot[] = [];
  for (let slot = 0; slot < workers; slot++) {
    const workerData: RankWorkerData = { memory, kernel, layout, slot };
    const worker = startWorker(WORKER, { name: `marquee-rank-${slot}`, workerData });
    const s: Slot = { worker, pending: new Map(), alive: true };
    worker.on('message', (msg: RankWorkerMessage) => {
      if (msg.type === 'ready') {
        ready = true;
        return;
      }
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
    get ready() {
      return ready;
    },
    rank(u: number, n: number): Promise<Uint32Array> {
      if (!Number.isInteger(u) || u < 0 || u >= model.userIds.length) {
        return Promise.reject(new RangeError(`user index ${u} is outside 0..${model.userIds.length - 1}`));
      }
      // The least busy live worker.
      let best: Slot | undefined;
      for (const s of slots) if (s.alive && (!best || s.pending.size < best.pending.size)) best = s;
      if (!best) return Promise.reject(new Error('no rank worker is running'));
      const pu = model.userFactors.slice(u * k, u * k + k);
      const job: RankJob = {
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
