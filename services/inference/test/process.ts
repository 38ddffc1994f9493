// Runs services/inference/main.ts as one child process (`node --import tsx`, as the Docker image
// does, so a SIGKILL in clean-up leaves no orphan) and follows its log to learn its port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForHttp } from '../../core/localstack/process.ts';
import { saveArtifact } from '../../model/index.ts';
import { tinyModel } from './fixtures.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(REPO_ROOT, 'services/inference/main.ts');

/** A model folder holding the tiny hand-built model, version `tiny` unless named. */
export async function tinyArtifact(version = 'tiny'): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'inference-model-')), version);
  await saveArtifact(dir, tinyModel(), {
    version,
    metrics: { rmse: 1, mae: 1 },
    data: { md5: '0'.repeat(32), ratings: 0 },
    counts: { train: 0, test: 0 },
    trainSeconds: 0,
  });
  return dir;
}

export interface Service {
  child: ChildProcess;
  url: string;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts main.ts with `env` on a free port and resolves once it listens (or rejects if it exits first). */
export function startService(env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return new Promise((resolveStart, rejectStart) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = / listening .*port=(\d+)/.exec(out);
      if (m) {
        child.stdout!.off('data', onData);
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
        resolveStart({ child, url: `http://127.0.0.1:${m[1]}`, output: () => out, exit });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    void exit.then(({ code }) => rejectStart(new Error(`service exited (code ${code}) before listening:\n${out}`)));
  });
}

/** Runs main.ts to completion (for start-up failures); resolves with its exit code and output. */
export function runService(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO_ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((r) => child.on('exit', (code) => r({ code, output })));
}

export function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  return waitForHttp(`${url}/readyz`, { timeoutMs, intervalMs: 20, what: 'inference service' });
}
