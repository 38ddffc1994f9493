// A local Prometheus for tests and local runs: renders prometheus.yml with the production
// renderer, keeps its TSDB in a temp directory, waits for /-/ready, and reloads new targets
// through the lifecycle API (POST /-/reload).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderPrometheusYml, type ScrapeTarget } from '../config/prometheus-conf.ts';
import { identify, isRunning, readIdentityFile, writeIdentityFile, type ProcessIdentity } from '../../services/core/process-identity.ts';
import { spawnLogged, tailFile } from '../../services/core/spawn-logged.ts';
import { stopProcess } from '../../services/core/stop-process.ts';
import { waitForHttp } from '../../services/core/wait-for-ready.ts';
import { findBinary, freePort } from '../../services/core/child-process.ts';
import { MarqueeError } from '../../services/core/errors.ts';

export type { ScrapeTarget } from '../config/prometheus-conf.ts';

export interface StartPrometheusOptions {
  /** Listen port; 0 picks a free one. */
  port: number;
  host?: string; // default 127.0.0.1
  targets: ScrapeTarget[];
  scrapeIntervalMs: number;
  /** Working directory (config, TSDB, log); default a new temp dir, removed on stop. */
  dir?: string;
  /** Let Prometheus outlive this process (shell scripts); stop it later with attachPrometheus(dir).stop(). */
  detached?: boolean;
  readyTimeoutMs?: number;
}

export interface LocalPrometheus {
  url: string;
  port: number;
  dir: string;
  pid: number;
  /** Replace the scrape targets; resolves once Prometheus has applied the new config. */
  reloadTargets(targets: ScrapeTarget[]): Promise<void>;
  stop(): Promise<void>;
}

interface PrometheusState {
  host: string;
  port: number;
  scrapeIntervalMs: number;
  targets: ScrapeTarget[];
  ownsDir: boolean;
}

function pathsIn(dir: string) {
  return {
    conf: join(dir, 'prometheus.yml'),
    data: join(dir, 'data'),
    log: join(dir, 'prometheus.log'),
    /** The process's identity (process-identity.ts), to find it again after a restart of ours. */
    process: join(dir, 'process.json'),
    state: join(dir, 'state.json'),
  };
}

function writeConf(dir: string, s: PrometheusState): void {
  const p = pathsIn(dir);
  writeFileSync(
    p.conf,
    renderPrometheusYml({
      header: 'Local Prometheus started by deploy/localstack/prometheus.ts (same renderer as monitoring/prometheus.yml).',
      scrapeIntervalMs: s.scrapeIntervalMs,
      targets: s.targets,
      self: `${s.host}:${s.port}`,
    }),
  );
  writeFileSync(p.state, JSON.stringify(s, null, 2));
}

function handle(dir: string, state: PrometheusState, id: ProcessIdentity, onStop?: () => void): LocalPrometheus {
  const url = `http://${state.host}:${state.port}`;
  return {
    url,
    port: state.port,
    dir,
    pid: id.pid,
    async reloadTargets(targets) {
      writeConf(dir, { ...state, targets });
      state.targets = targets;
      const res = await fetch(`${url}/-/reload`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new MarqueeError('PROMETHEUS', `Prometheus refused the reload (HTTP ${res.status}): ${(await res.text()).trim()}`);
    },
    async stop() {
      await stopProcess(id, { graceMs: 10_000 });
      onStop?.();
      if (state.ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function startPrometheus(o: StartPrometheusOptions): Promise<LocalPrometheus> {
  const prometheus = findBinary('prometheus');
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'marquee-prometheus-'));
  const p = pathsIn(dir);
  mkdirSync(p.data, { recursive: true });
  const host = o.host ?? '127.0.0.1';
  const state: PrometheusState = {
    host,
    port: o.port || (await freePort(host)),
    scrapeIntervalMs: o.scrapeIntervalMs,
    targets: o.targets,
    ownsDir: o.dir === undefined,
  };
  writeConf(dir, state);

  const { pid } = spawnLogged(
    prometheus,
    [
      `--config.file=${p.conf}`,
      `--storage.tsdb.path=${p.data}`,
      `--web.listen-address=${host}:${state.port}`,
      '--web.enable-lifecycle',
      '--log.level=warn',
    ],
    { logFile: p.log, detached: o.detached },
  );
  const id = identify(pid);
  writeIdentityFile(p.process, id);
  const killOnExit = () => {
    if (isRunning(id)) process.kill(pid, 'SIGKILL');
  };
  if (!o.detached) process.once('exit', killOnExit);

  const h = handle(dir, state, id, () => process.removeListener('exit', killOnExit));
  try {
    await waitForHttp(`${h.url}/-/ready`, {
      timeoutMs: o.readyTimeoutMs ?? 30_000,
      what: 'prometheus',
      died: () => (isRunning(id) ? undefined : tailFile(p.log) || 'no log'),
    });
  } catch (err) {
    await h.stop();
    throw new MarqueeError('PROCESS', `${(err as Error).message}\n${tailFile(p.log)}`, { cause: err });
  }
  return h;
}

/** The Prometheus running from `dir` (started detached), or undefined when none is running there. */
export function attachPrometheus(dir: string): LocalPrometheus | undefined {
  const p = pathsIn(dir);
  const id = readIdentityFile(p.process);
  if (!existsSync(p.state) || !id || !isRunning(id)) return undefined;
  return handle(dir, JSON.parse(readFileSync(p.state, 'utf8')) as PrometheusState, id);
}
