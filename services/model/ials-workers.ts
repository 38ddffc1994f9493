// Worker threads for implicit ALS: each request is one slice of a half-sweep (a chunk of the
// Gram matrix, or a range of rows to solve) over factors and interactions in shared memory.
// Rows are solved independently and the Gram matrix is summed from fixed chunks in a fixed
// order, so the result does not depend on how many threads there are. Workers are started from
// the kernel functions' source text (no TypeScript loader needed), one pool per training.
import { Worker } from 'node:worker_threads';
import { applyA, cgSteps, dotRow, gramRows, solveRows } from './ials-kernel.ts';

const WORKER_SOURCE = `'use strict';
${dotRow.toString()}
${gramRows.toString()}
${applyA.toString()}
${cgSteps.toString()}
${solveRows.toString()}
import('node:worker_threads').then(({ parentPort }) => parentPort.on('message', (m) => {
  if (m.op === 'gram') {
    gramRows(new Float32Array(m.Y), m.k, m.from, m.to, new Float64Array(m.G), new Float64Array(m.k));
    parentPort.postMessage({ sum: 0, count: 0 });
  } else {
    const out = new Float64Array(2);
    solveRows(new Float32Array(m.X), new Float32Array(m.Y), new Float64Array(m.M), m.V ? new Float64Array(m.V) : null,
      new Float64Array(m.offsets), new Uint32Array(m.index), new Float32Array(m.weight), new Uint8Array(m.pref),
      m.k, m.steps, m.from, m.to, out);
    parentPort.postMessage({ sum: out[0], count: out[1] });
  }
}));
`;

export type IalsRequest =
  | { op: 'gram'; Y: SharedArrayBuffer; G: SharedArrayBuffer; k: number; from: number; to: number }
  | {
      op: 'solve';
      X: SharedArrayBuffer;
      Y: SharedArrayBuffer;
      M: SharedArrayBuffer;
      V: SharedArrayBuffer | null;
      offsets: SharedArrayBuffer;
      index: SharedArrayBuffer;
      weight: SharedArrayBuffer;
      pref: SharedArrayBuffer;
      k: number;
      steps: number;
      from: number;
      to: number;
    };

export class IalsPool {
  readonly size: number;
  private readonly workers: Worker[];

  private constructor(workers: Worker[]) {
    this.workers = workers;
    this.size = workers.length;
  }

  static async start(count: number): Promise<IalsPool> {
    const workers = Array.from({ length: count }, () => new Worker(WORKER_SOURCE, { eval: true, name: 'marquee-ials', execArgv: [] }));
    try {
      await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => w.once('online', resolve).once('error', reject))));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new IalsPool(workers);
  }

  /** Run requests on the workers, each taking the next request when it finishes one; replies in request order. */
  async runAll(requests: IalsRequest[]): Promise<Array<{ sum: number; count: number }>> {
    const replies = new Array<{ sum: number; count: number }>(requests.length);
    let next = 0;
    await Promise.all(
      this.workers.map(async (w, n) => {
        while (next < requests.length) {
          const j = next++;
          replies[j] = await new Promise((resolve, reject) => {
            const onError = (err: Error) => reject(new Error(`iALS worker ${n} failed: ${err.message}`, { cause: err }));
            w.once('error', onError);
            w.once('message', (reply: { sum: number; count: number }) => {
              w.off('error', onError);
              resolve(reply);
            });
            w.postMessage(requests[j]);
          });
        }
      }),
    );
    return replies;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
