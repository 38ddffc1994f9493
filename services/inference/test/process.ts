// Runs services/inference/main.ts as one child process (`node --import tsx`, as the Docker image
// does, so a SIGKILL in clean-up leaves no orphan); services/core/testing/listening-service.ts
// follows its log to learn its port.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startListening, type ListeningService } from '../../core/testing/listening-service.ts';
import { waitForHttp } from '../../core/wait-for-ready.ts';
import { saveTinyArtifact } from './fixtures.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const MAIN = join(REPO_ROOT, 'services/inference/main.ts');

/** A model folder holding the tiny hand-built model, version `tiny` unless named. */
export async function tinyArtifact(version = 'tiny'): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'inference-model-')), version);
  await saveTinyArtifact(dir, version);
  return dir;
}

export type Service = ListeningService;

/** Starts main.ts with `env` on a free port and resolves once it listens (or rejects if it exits first). */
export function startService(env: Record<string, string>): Promise<Service> {
  return startListening(MAIN, { cwd: REPO_ROOT, env: { LOG_LEVEL: 'info', ...env } });
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
