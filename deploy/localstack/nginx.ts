// A local NGINX in front of local inference processes, for tests and local runs: renders the
// config with the production renderer, runs `nginx -g 'daemon off;'` with every path (pid,
// logs, temp files) inside one directory, waits for /nginx-health, reloads on new upstreams and
// changes weights without a reload (weights-dir.ts), so no keep-alive connection is dropped.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACK_WEIGHTS } from '../../services/core/tracks.ts';
import { renderNginxConf, type Upstreams } from '../config/nginx-conf.ts';
import { servingTracks } from '../config/nginx-track-routing.ts';
import { assertServed, type SplitWeights } from '../config/track-split.ts';
import { writeStep, type WrittenStep } from '../config/weights-dir.ts';
import { childPids } from '../../services/core/process-stat.ts';
import { identify, isRunning, readIdentityFile, writeIdentityFile, type ProcessIdentity } from '../../services/core/process-identity.ts';
import { spawnLogged, tailFile } from '../../services/core/spawn-logged.ts';
import { stopProcess, waitForExit } from '../../services/core/stop-process.ts';
import { waitForHttp } from '../../services/core/wait-for-ready.ts';
import { findBinary, freePort, runCommand } from '../../services/core/child-process.ts';
import { MarqueeError } from '../../services/core/errors.ts';

export type { TrackWeights, Upstreams } from '../config/nginx-conf.ts';
export type { SplitWeights } from '../config/track-split.ts';

export interface StartNginxOptions {
  /** Listen port; 0 picks a free one. */
  port: number;
  host?: string; // default 127.0.0.1
  upstreams: Upstreams;
  weights?: SplitWeights; // default TRACK_WEIGHTS (services/core/tracks.ts)
  workerProcesses?: number; // default 1
  /** Working directory (config, pid, logs, temp); default a new temp dir, removed on stop. */
  dir?: string;
  /** Write the provenance log (replicas with PROVENANCE=nginx): `provenanceLog` of the handle. */
  provenance?: boolean;
  /** Let NGINX outlive this process (shell scripts); stop it later with attachNginx(dir).stop(). */
  detached?: boolean;
  readyTimeoutMs?: number;
}

export interface LocalNginx {
  port: number;
  url: string;
  dir: string;
  pid: number;
  accessLog: string;
  errorLog: string;
  /** NGINX's provenance log (read by the provenance shipper); written only with `provenance`. */
  provenanceLog: string;
  /** The master's pid file (the shipper asks it to reopen the logs after a rotation). */
  pidFile: string;
  /**
   * Swap the upstream servers (and optionally the weights; default: keep them). A reload: the old
   * worker closes its idle keep-alive connections, so a client sending on one then gets a reset.
   */
  reload(upstreams: Upstreams, weights?: SplitWeights): Promise<void>;
  /**
   * Change the track split from the next request on, without a reload (no connection dropped).
   * Every track with a weight must have servers. Returns the whole-percent split NGINX applies.
   */
  setWeights(weights: SplitWeights): WrittenStep;
  stop(): Promise<void>;
}

interface NginxState {
  host: string;
  port: number;
  provenance?: boolean;
  generation: number;
  upstreams: Upstreams;
  weights: SplitWeights;
  workerProcesses: number;
  ownsDir: boolean;
}

function sameUpstreams(a: Upstreams, b: Upstreams): boolean {
  const key = (u: Upstreams) => JSON.stringify([u.stable, u.baseline ?? [], u.canary]);
  return key(a) === key(b);
}

function pathsIn(dir: string) {
  return {
    conf: join(dir, 'nginx.conf'),
    weights: join(dir, 'weights'),
    next: join(dir, 'nginx.conf.next'),
    pid: join(dir, 'nginx.pid'),
    state: join(dir, 'state.json'),
    /** The master process's identity (process-identity.ts), to find it again after a restart of ours. */
    process: join(dir, 'process.json'),
    logs: join(dir, 'logs'),
    errorLog: join(dir, 'logs', 'error.log'),
    accessLog: join(dir, 'logs', 'access.log'),
    provenanceLog: join(dir, 'logs', 'provenance.log'),
    out: join(dir, 'logs', 'nginx.out'),
    temp: join(dir, 'temp'),
  };
}

function renderLocal(dir: string, s: NginxState): string {
  const p = pathsIn(dir);
  return renderNginxConf({
    header: 'Local NGINX started by deploy/localstack/nginx.ts (same renderer as nginx/nginx.conf).',
    listen: `${s.host}:${s.port}`,
    upstreams: s.upstreams,
    weights: s.weights,
    weightsDir: p.weights,
    workerProcesses: s.workerProcesses,
    // As root, workers would otherwise run as nobody and could not enter the 0700 temp dir.
    user: process.getuid?.() === 0 ? 'root' : undefined,
    pidFile: p.pid,
    errorLog: p.errorLog,
    accessLog: p.accessLog,
    provenanceLog: s.provenance ? p.provenanceLog : undefined,
    tempDir: p.temp,
    generation: s.generation,
  });
}

function baseArgs(dir: string, conf: string): string[] {
  // -e: the error log before the config is read (else the build-time /var/log/nginx/error.log).
  return ['-p', dir, '-c', conf, '-e', pathsIn(dir).errorLog, '-g', 'daemon off;'];
}

/** Writes the config for `s` after `nginx -t` accepts it; a rejected config leaves the old one. */
async function writeCheckedConf(nginx: string, dir: string, s: NginxState): Promise<void> {
  const p = pathsIn(dir);
  writeFileSync(p.next, renderLocal(dir, s));
  const { code, output } = await runCommand(nginx, ['-t', '-q', ...baseArgs(dir, p.next)]);
  if (code !== 0) throw new MarqueeError('PROCESS', `nginx rejected the generated config (${p.next}):\n${output.trim()}`);
  renameSync(p.next, p.conf);
  saveState(dir, s);
}

function saveState(dir: string, s: NginxState): void {
  writeFileSync(pathsIn(dir).state, JSON.stringify(s, null, 2));
}

/** Writes the step for `s.weights`; a track without servers gets no share (the others take it). */
function writeWeights(dir: string, s: NginxState): WrittenStep {
  return writeStep(pathsIn(dir).weights, s.weights, servingTracks(s.upstreams));
}

interface NginxHandle extends LocalNginx {
  ready(): Promise<void>;
}

function handle(nginx: string, dir: string, state: NginxState, master: ProcessIdentity, readyTimeoutMs: number, onStop?: () => void): NginxHandle {
  const p = pathsIn(dir);
  const pid = master.pid;
  const url = `http://${state.host}:${state.port}`;
  const waitGeneration = (generation: number) =>
    waitForHttp(`${url}/nginx-health`, {
      timeoutMs: readyTimeoutMs,
      what: 'nginx',
      accept: (status, body) => status === 200 && body.includes(`generation=${generation}`),
      died: () => (isRunning(master) ? undefined : tailFile(p.errorLog) || tailFile(p.out) || 'no log'),
    }).catch((err: Error) => {
      throw new MarqueeError('PROCESS', `${err.message}\n${tailFile(p.errorLog)}`, { cause: err });
    });
  return {
    port: state.port,
    url,
    dir,
    pid,
    accessLog: p.accessLog,
    errorLog: p.errorLog,
    provenanceLog: p.provenanceLog,
    pidFile: p.pid,
    ready: () => waitGeneration(state.generation),
    async reload(upstreams, weights) {
      if (!isRunning(master)) throw new MarqueeError('PROCESS', `nginx (pid ${pid}, ${dir}) is not running`);
      // Nothing to change, no reload: a reload closes the old workers' idle client connections.
      if (sameUpstreams(upstreams, state.upstreams) && (!weights || JSON.stringify(weights) === JSON.stringify(state.weights))) return;
      const next: NginxState = { ...state, upstreams, weights: weights ?? state.weights, generation: state.generation + 1 };
      await writeCheckedConf(nginx, dir, next);
      Object.assign(state, next);
      const oldWorkers = childPids(pid).map(identify);
      process.kill(pid, 'SIGHUP');
      await waitGeneration(state.generation);
      // Old workers finish their in-flight requests and close their idle keepalive connections;
      // until they have gone a client could still reuse a connection to the old config.
      await waitForExit(oldWorkers, readyTimeoutMs);
      writeWeights(dir, state);
    },
    setWeights(weights) {
      assertServed(weights, servingTracks(state.upstreams));
      const step = writeWeights(dir, { ...state, weights });
      state.weights = weights;
      saveState(dir, state);
      return step;
    },
    async stop() {
      await stopProcess(master, { graceMs: 5000 });
      onStop?.();
      if (state.ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startNginx(o: StartNginxOptions): Promise<LocalNginx> {
  const nginx = findBinary('nginx');
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'marquee-nginx-'));
  const p = pathsIn(dir);
  mkdirSync(p.logs, { recursive: true });
  mkdirSync(p.temp, { recursive: true });
  const host = o.host ?? '127.0.0.1';
  const state: NginxState = {
    host,
    port: o.port || (await freePort(host)),
    generation: 1,
    upstreams: o.upstreams,
    weights: o.weights ?? TRACK_WEIGHTS,
    workerProcesses: o.workerProcesses ?? 1,
    ownsDir: o.dir === undefined,
    provenance: o.provenance,
  };
  try {
    await writeCheckedConf(nginx, dir, state);
    writeWeights(dir, state);
  } catch (err) {
    if (state.ownsDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const { pid } = spawnLogged(nginx, baseArgs(dir, p.conf), { logFile: p.out, detached: o.detached });
  const master = identify(pid);
  writeIdentityFile(p.process, master);
  // Never leave an orphan NGINX holding the port when the test process dies without stop().
  const killOnExit = () => {
    for (const id of [...childPids(pid).map(identify), master]) if (isRunning(id)) process.kill(id.pid, 'SIGKILL');
  };
  if (!o.detached) process.once('exit', killOnExit);

  const h = handle(nginx, dir, state, master, o.readyTimeoutMs ?? 15_000, () => process.removeListener('exit', killOnExit));
  try {
    await h.ready();
  } catch (err) {
    await h.stop();
    throw err;
  }
  return h;
}

/** The NGINX running from `dir` (started detached), or undefined when none is running there. */
export function attachNginx(dir: string, readyTimeoutMs = 15_000): LocalNginx | undefined {
  const p = pathsIn(dir);
  const master = readIdentityFile(p.process);
  if (!existsSync(p.state) || !master || !isRunning(master)) return undefined;
  const state = JSON.parse(readFileSync(p.state, 'utf8')) as NginxState;
  return handle(findBinary('nginx'), dir, state, master, readyTimeoutMs);
}
