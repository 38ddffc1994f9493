// One iALS thread (ials-workers.ts): each request is one slice of a half-sweep, a chunk of the
// Gram matrix or a range of rows to solve, over arrays in shared memory.
import { parentPort } from 'node:worker_threads';
import { gramRows, solveRows } from './ials-kernel.ts';

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

/** A solve's summed residual reductions and how many rows it solved; zeros for a Gram chunk. */
export interface IalsReply {
  sum: number;
  count: number;
}

export type IalsWorkerMessage = { type: 'ready' } | ({ type: 'reply' } & IalsReply);

const port = parentPort!;
const send = (msg: IalsWorkerMessage) => port.postMessage(msg);

port.on('message', (m: IalsRequest) => {
  if (m.op === 'gram') {
    gramRows(new Float32Array(m.Y), m.k, m.from, m.to, new Float64Array(m.G), new Float64Array(m.k));
    send({ type: 'reply', sum: 0, count: 0 });
  } else {
    const out = new Float64Array(2);
    solveRows(
      new Float32Array(m.X),
      new Float32Array(m.Y),
      new Float64Array(m.M),
      m.V ? new Float64Array(m.V) : null,
      new Float64Array(m.offsets),
      new Uint32Array(m.index),
      new Float32Array(m.weight),
      new Uint8Array(m.pref),
      m.k,
      m.steps,
      m.from,
      m.to,
      out,
    );
    send({ type: 'reply', sum: out[0], count: out[1] });
  }
});
send({ type: 'ready' });
