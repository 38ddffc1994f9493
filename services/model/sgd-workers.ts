// Hogwild SGD on worker threads: each worker owns a shard of the ratings (whole users, so
// user vectors are never written by two threads) and updates the movie vectors and biases
// in shared memory without locks. Workers run sgd-worker.ts and are kept for later trainings,
// because start-up (loading the TypeScript loader and compiling) costs a few hundred ms.
import type { Worker } from 'node:worker_threads';
import type { SgdWorkerJob, SgdWorkerMessage } from './sgd-worker.ts';
import { startWorker } from './ts-worker.ts';

export interface Shard {
  users: Uint32Array;
  items: Uint32Array;
  ratings: Float32Array;
  /** sfc32 state for this shard's per-epoch shuffles. */
  rng: Uint32Array;
}

export interface HogwildJob {
  shards: Shard[];
  /** All four must be backed by SharedArrayBuffers. */
  userFactors: Float32Array;
  itemFactors: Float32Array;
  userBias: Float32Array;
  itemBias: Float32Array;
  factors: number;
  epochs: number;
  mean: number;
  lr: number;
  reg: number;
}

const WORKER = new URL('./sgd-worker.ts', import.meta.url);

const idle: Worker[] = [];
/** The job in progress (settled or not) and any queued behind it; undefined when idle. */
let tail: Promise<void> | undefined;

function spawn(): Worker {
  return startWorker(WORKER, { name: 'marquee-sgd' });
}

/** Resolves once `worker` has loaded its code, rejects if it fails first. */
function loaded(worker: Worker): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onMessage = (msg: SgdWorkerMessage) => {
      if (msg.type !== 'ready') return;
      worker.off('message', onMessage);
      worker.off('error', reject);
      resolve();
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

function keepIdle(workers: Worker[]): void {
  // Idle workers must not keep the process alive; a job refs its workers while it runs.
  for (const w of workers) w.unref();
  idle.push(...workers);
}

/** Start `count` workers ahead of time so the first multi-threaded training does not pay for it. */
export async function prepareSgdWorkers(count: number): Promise<void> {
  const fresh: Worker[] = [];
  while (idle.length + fresh.length < count) fresh.push(spawn());
  try {
    await Promise.all(fresh.map(loaded));
  } catch (err) {
    await Promise.all(fresh.map((w) => w.terminate()));
    throw err;
  }
  keepIdle(fresh);
}

/** Terminate the idle workers (tests and tidy shutdowns; not needed for the process to exit). */
export async function closeSgdWorkers(): Promise<void> {
  const all = idle.splice(0);
  await Promise.all(all.map((w) => w.terminate()));
}

/** Run all epochs on one worker per shard; `onEpoch` gets each epoch's summed squared error once every shard finished it. */
export function runHogwild(job: HogwildJob, onEpoch: (epoch: number, sse: number) => void): Promise<void> {
  // One job at a time: the workers are a shared, process-wide resource. When idle, the job is
  // dispatched before this returns, so the caller can do other work while it runs.
  const start = () => runNow(job, onEpoch);
  const run = tail ? tail.then(start) : start();
  const settled = run.catch(() => undefined);
  tail = settled;
  void settled.then(() => {
    if (tail === settled) tail = undefined;
  });
  return run;
}

async function runNow(job: HogwildJob, onEpoch: (epoch: number, sse: number) => void): Promise<void> {
  const count = job.shards.length;
  while (idle.length < count) idle.push(spawn());
  const workers = idle.splice(0, count);
  const sse = new Float64Array(job.epochs);
  const reported = new Uint32Array(job.epochs);
  let finished = 0;
  const cleanups: Array<() => void> = [];
  try {
    await new Promise<void>((resolve, reject) => {
      workers.forEach((worker, w) => {
        const onMessage = (msg: SgdWorkerMessage) => {
          if (msg.type === 'ready') return;
          if (msg.type === 'epoch') {
            sse[msg.epoch] += msg.sse;
            if (++reported[msg.epoch] === count) onEpoch(msg.epoch, sse[msg.epoch]);
          } else if (++finished === count) {
            resolve();
          }
        };
        const onError = (err: Error) => reject(new Error(`SGD worker ${w} failed: ${err.message}`, { cause: err }));
        const onExit = (code: number) => reject(new Error(`SGD worker ${w} exited with code ${code} during training`));
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        worker.ref();
        cleanups.push(() => {
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
        });
        const shard = job.shards[w];
        const message: SgdWorkerJob = {
          users: shard.users.buffer as ArrayBuffer,
          items: shard.items.buffer as ArrayBuffer,
          ratings: shard.ratings.buffer as ArrayBuffer,
          rng: shard.rng,
          userFactors: job.userFactors.buffer as SharedArrayBuffer,
          itemFactors: job.itemFactors.buffer as SharedArrayBuffer,
          userBias: job.userBias.buffer as SharedArrayBuffer,
          itemBias: job.itemBias.buffer as SharedArrayBuffer,
          factors: job.factors,
          epochs: job.epochs,
          mean: job.mean,
          lr: job.lr,
          reg: job.reg,
        };
        // The shard arrays are private to the worker: move them instead of copying.
        worker.postMessage(message, [message.users, message.items, message.ratings]);
      });
    });
    for (const c of cleanups) c();
    keepIdle(workers);
  } catch (err) {
    for (const c of cleanups) c();
    // A worker that failed mid-job is in an unknown state: replace all of this job's workers.
    await Promise.all(workers.map((w) => w.terminate()));
    throw err;
  }
}
