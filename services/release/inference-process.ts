// Starting, checking and stopping one local inference process (`services/inference/main.ts`).
// Processes run in their own process group so a stop reaches tsx's loader child as well, and
// they outlive the controller (a re-run finds them by pid in the local-stack state).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StartSpec {
  repoRoot: string;
  host: string;
  port: number;
  modelPath: string;
  track: 'stable' | 'canary';
  env: Record<string, string>;
  logFile: string;
}

export interface StartedProcess {
  pid: number;
  /** Resolves with the exit code/signal if the process ends; never rejects. */
  exited: Promise<string>;
}

export function startInference(spec: StartSpec): StartedProcess {
  mkdirSync(join(spec.logFile, '..'), { recursive: true });
  const fd = openSync(spec.logFile, 'a');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'services/inference/main.ts'], {
      cwd: spec.repoRoot,
      env: {
        ...process.env,
        ...spec.env,
        PORT: String(spec.port),
        HOST: spec.host,
        MODEL_PATH: spec.modelPath,
        TRACK: spec.track,
      },
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`could not start inference on port ${spec.port}`);
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', (err) => resolve(`error ${err.message}`));
    });
    child.unref();
    return { pid: child.pid, exited };
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM the process group (graceful drain), SIGKILL after `graceMs`; resolves once it is gone. */
export async function stopProcess(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  if (!isAlive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    signal('SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
}

export interface ReadyCheck {
  baseUrl: string;
  expectedVersion: string;
  timeoutMs: number;
  /** Rejects the wait early when the process dies. */
  exited?: Promise<string>;
  logFile?: string;
}

/** Waits for /readyz to answer 200 and /recommend to carry the expected X-Model-Version. */
export async function waitReady(check: ReadyCheck): Promise<void> {
  const deadline = Date.now() + check.timeoutMs;
  let died: string | null = null;
  void check.exited?.then((how) => (died = how));
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (died) throw new Error(`inference at ${check.baseUrl} exited (${died}) before ready${tail(check.logFile)}`);
    try {
      const ready = await fetch(`${check.baseUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
      await ready.body?.cancel();
      if (ready.ok) {
        const res = await fetch(`${check.baseUrl}/recommend/1`, { signal: AbortSignal.timeout(10_000) });
        await res.body?.cancel();
        const served = res.headers.get('x-model-version');
        if (served === check.expectedVersion) return;
        last = `serves version '${served}', expected '${check.expectedVersion}'`;
      } else last = `/readyz answered ${ready.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(200);
  }
  throw new Error(`inference at ${check.baseUrl} not ready after ${check.timeoutMs} ms: ${last}${tail(check.logFile)}`);
}

function tail(file: string | undefined): string {
  if (!file) return '';
  try {
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-10);
    return `\n--- last lines of ${file} ---\n${lines.join('\n')}`;
  } catch {
    return '';
  }
}
