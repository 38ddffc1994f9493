// Starting, checking and stopping one local inference process (`services/inference/main.ts`).
// Processes run in their own process group so a stop reaches tsx's loader child as well, and
// they outlive the controller (a re-run finds them by identity in the local-stack state).
import { identify, type ProcessIdentity } from '../core/process-identity.ts';
import { spawnLogged, tailFile } from '../core/spawn-logged.ts';
import { stopProcess as stopGroup } from '../core/stop-process.ts';
import { waitForHttp } from '../core/wait-for-ready.ts';
import type { TrackName } from './measure/types.ts';
import { MarqueeError } from '../core/errors.ts';

export interface StartSpec {
  repoRoot: string;
  host: string;
  port: number;
  modelPath: string;
  track: TrackName;
  env: Record<string, string>;
  logFile: string;
}

export interface StartedProcess {
  /** Pid and start time, to recognise the process later (its pid may be reused once it is gone). */
  identity: ProcessIdentity;
  /** Resolves with the exit code/signal if the process ends; never rejects. */
  exited: Promise<string>;
}

export function startInference(spec: StartSpec): StartedProcess {
  const { pid, exited } = spawnLogged(process.execPath, ['--import', 'tsx', 'services/inference/main.ts'], {
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
    logFile: spec.logFile,
  });
  return { identity: identify(pid), exited };
}

/** SIGTERM the process group (graceful drain), SIGKILL after `graceMs`; resolves once it is gone. */
export function stopProcess(id: ProcessIdentity, graceMs = 10_000): Promise<void> {
  return stopGroup(id, { graceMs, group: true });
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
  let died: string | undefined;
  void check.exited?.then((how) => (died = how));
  const wait = { what: 'inference', intervalMs: 200, died: () => died };
  try {
    await waitForHttp(`${check.baseUrl}/readyz`, { ...wait, timeoutMs: check.timeoutMs, requestTimeoutMs: 2000 });
    const version = (headers: Headers) => headers.get('x-model-version');
    await waitForHttp(`${check.baseUrl}/recommend/1`, {
      ...wait,
      timeoutMs: Math.max(0, deadline - Date.now()),
      requestTimeoutMs: 10_000,
      accept: (_status, _body, headers) => version(headers) === check.expectedVersion,
      describe: (_status, _body, headers) => `serves version '${version(headers)}', expected '${check.expectedVersion}'`,
    });
  } catch (err) {
    const tail = check.logFile ? tailFile(check.logFile, 10) : '';
    throw new MarqueeError('PROCESS', `${(err as Error).message}${tail && `\n--- last lines of ${check.logFile} ---\n${tail}`}`, { cause: err });
  }
}
