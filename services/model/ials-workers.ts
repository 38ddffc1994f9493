// Worker threads for implicit ALS (ials-worker.ts), one pool per training. Rows are solved
// independently and the Gram matrix is summed from fixed chunks in a fixed order, so the result
// does not depend on how many threads there are.
import type { Worker } from 'node:worker_threads';
import type { IalsReply, IalsRequest, IalsWorkerMessage } from './ials-worker.ts';
import { startWorker } from './ts-worker.ts';

const WORKER = new URL('./ials-worker.ts', import.meta.url);

/** The next message from `w` (its reply, or that it is ready); rejects if the worker fails first. */
function next(w: Worker, n: number): Promise<IalsWorkerMessage> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(new Error(`iALS worker ${n} failed: ${err.message}`, { cause: err }));
    w.once('error', onError);
    w.once('message', (msg: IalsWorkerMessage) => {
      w.off('error', onError);
      resolve(msg);
    });
  });
}

export class IalsPool {
  readonly size: number;
  private readonly workers: Worker[];

  private constructor(workers: Worker[]) {
    this.workers = workers;
    this.size = workers.length;
  }

  /** `count` workers, each once it has loaded its code. */
  static async start(count: number): Promise<IalsPool> {
    const workers = Array.from({ length: count }, () => startWorker(WORKER, { name: 'marquee-ials' }));
    try {
      await Promise.all(workers.map((w, n) => next(w, n)));
    } catch (err) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw err;
    }
    return new IalsPool(workers);
  }

  /** Run requests on the workers, each taking the next request when it finishes one; replies in request order. */
  async runAll(requests: IalsRequest[]): Promise<IalsReply[]> {
    const replies = new Array<IalsReply>(requests.length);
    let taken = 0;
    await Promise.all(
      this.workers.map(async (w, n) => {
        while (taken < requests.length) {
          const j = taken++;
          const reply = next(w, n);
          w.postMessage(requests[j]);
          const msg = await reply;
          if (msg.type !== 'reply') throw new Error(`iALS worker ${n} sent ${msg.type} instead of a reply`);
          replies[j] = { sum: msg.sum, count: msg.count };
        }
      }),
    );
    return replies;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
