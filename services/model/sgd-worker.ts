// One Hogwild SGD thread (sgd-workers.ts): runs every epoch over its shard of the ratings,
// reporting each epoch's summed squared error, then says it is done.
import { parentPort } from 'node:worker_threads';
import { sgdPass, shuffleShard } from './sgd-kernel.ts';

/** One training job for one worker: its own shard (moved to it) and the shared factors and biases. */
export interface SgdWorkerJob {
  users: ArrayBuffer;
  items: ArrayBuffer;
  ratings: ArrayBuffer;
  rng: Uint32Array;
  userFactors: SharedArrayBuffer;
  itemFactors: SharedArrayBuffer;
  userBias: SharedArrayBuffer;
  itemBias: SharedArrayBuffer;
  factors: number;
  epochs: number;
  mean: number;
  lr: number;
  reg: number;
}

export type SgdWorkerMessage = { type: 'ready' } | { type: 'epoch'; epoch: number; sse: number } | { type: 'done' };

const port = parentPort!;
const send = (msg: SgdWorkerMessage) => port.postMessage(msg);

port.on('message', (job: SgdWorkerJob) => {
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
    send({ type: 'epoch', epoch, sse });
  }
  send({ type: 'done' });
});
send({ type: 'ready' });
