// Hogwild SGD on worker threads: each worker owns a shard of the ratings (whole users, so
// user vectors are never written by two threads) and updates the item vectors and biases
// in shared memory without locks. Workers are started from source text built from the
// self-contained kernel functions, so no TypeScript loader is needed (tsx, vitest, plain
// node all work), and they are kept for later trainings because start-up costs ~30 ms.
import { Worker } from 'node:worker_threads';
import { sgdPass, shuffleShard } from './sgd-kernel.ts';

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

interface EpochMessage {
  type: 'epoch';
  epoch: number;
  sse: number;
}
interface DoneMessage {
  type: 'done';
}
type WorkerMessage = EpochMessage | DoneMessage;

// import() rather than require(): eval'd code is CommonJS or ESM depending on the host's flags.
const WORKER_SOURCE = `'use strict';
${shuffleShard.toString()}
${sgdPass.toString()}
import('node:worker_threads').then(({ parentPort }) => parentPort.on('message', (job) => {
  const users = new Uint32Array(job.users);
  const items = new Uint32Array(job.items);
  const ratings = new Float32Array(job.ratings);
  const rng = new Uint32Array(job.rng);
  const P = new Float32Array(job.userFactors);
  const Q = new Float32Array(job.itemFactors);
  const bu = new Float32Array(job.userBias);
  const bi = new Float32Array(job.itemBias);
  const n = users.length;
  for (let epoch = 0; epoch < job.epochs; epoch++) {
    shuffleShard(users, items, ratings, n, rng);
    const sse = sgdPass(users, items, ratings, n, P, Q, bu, bi, job.factors, job.mean, job.lr, job.reg);
    parentPort.postMessage({ type: 'epoch', epoch, sse });
  }
  parentPort.postMessage({ type: 'done' });
}));
`;

const idle: Worker[] = [];
/** The job in progress (settled or not) and any queued behind it; undefined when idle. */
let tail: Promise<void> | undefined;

function spawn(): Worker {
  // No inherited flags: the worker needs no TypeScript loader, and starts faster without one.
  return new Worker(WORKER_SOURCE, { eval: true, name: 'marquee-sgd', execArgv: [] });
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
    await Promise.all(
      fresh.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            w.once('online', () => resolve());
            w.once('error', reject);
          }),
      ),
    );
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
        const onMessage = (msg: WorkerMessage) => {
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
        worker.postMessage(
          {
            users: shard.users.buffer,
            items: shard.items.buffer,
            ratings: shard.ratings.buffer,
            rng: shard.rng,
            userFactors: job.userFactors.buffer,
            itemFactors: job.itemFactors.buffer,
            userBias: job.userBias.buffer,
            itemBias: job.itemBias.buffer,
            factors: job.factors,
            epochs: job.epochs,
            mean: job.mean,
            lr: job.lr,
            reg: job.reg,
          },
          // The shard arrays are private to the worker: move them instead of copying.
          [shard.users.buffer as ArrayBuffer, shard.items.buffer as ArrayBuffer, shard.ratings.buffer as ArrayBuffer],
        );
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
