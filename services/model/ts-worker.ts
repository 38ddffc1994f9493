// Starting a worker thread from a TypeScript module file (rank-worker.ts, sgd-worker.ts,
// ials-worker.ts) the same way under `node --import tsx`, the tsx CLI and vitest.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOT = new URL('./ts-worker-boot.mjs', import.meta.url);

/**
 * A worker running the module at `entry`. The parent's flags are not inherited (`execArgv: []`):
 * the boot module registers the TypeScript loader itself, and a second registration inherited
 * from `--import tsx` would transform every file twice.
 */
export function startWorker(entry: URL, options: Omit<WorkerOptions, 'argv' | 'execArgv' | 'eval'> = {}): Worker {
  return new Worker(BOOT, { ...options, execArgv: [], argv: [entry.href] });
}
