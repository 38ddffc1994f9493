// Starting a worker thread from a TypeScript module file (rank-worker.ts, sgd-worker.ts,
// ials-worker.ts) the same way under `node --import tsx`, the tsx CLI, vitest and a Node that
// runs TypeScript itself.
import { Worker, type WorkerOptions } from 'node:worker_threads';

const BOOT = new URL('./ts-worker-boot.mjs', import.meta.url);

/**
 * Whether this Node strips TypeScript types itself (22.18+, 24: `process.features.typescript`).
 * Then a worker loads the .ts entry directly: no tsx loader to register, whose hooks run on a
 * thread of their own for every thread that registers them.
 */
export const nativeTypeScript = Boolean((process.features as { typescript?: string | false }).typescript);

/**
 * A worker running the module at `entry`. The parent's flags are not inherited (`execArgv: []`):
 * without native TypeScript the boot module registers tsx's loader itself, and a second
 * registration inherited from `--import tsx` would transform every file twice.
 */
export function startWorker(entry: URL, options: Omit<WorkerOptions, 'argv' | 'execArgv' | 'eval'> = {}): Worker {
  if (nativeTypeScript) return new Worker(entry, { ...options, execArgv: [] });
  return new Worker(BOOT, { ...options, execArgv: [], argv: [entry.href] });
}
