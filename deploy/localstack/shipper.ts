// A local provenance shipper process (services/provenance/shipper/main.ts) beside a local NGINX
// started with `provenance: true`: what tests and benchmarks run where Compose runs the
// `provenance-shipper` service.
import { join } from 'node:path';
import { freePort } from '../../services/core/child-process.ts';
import { identify, isRunning, type ProcessIdentity } from '../../services/core/process-identity.ts';
import { spawnLogged, tailFile } from '../../services/core/spawn-logged.ts';
import { stopProcess } from '../../services/core/stop-process.ts';
import { waitForHttp } from '../../services/core/wait-for-ready.ts';
import type { LocalNginx } from './nginx.ts';

export interface StartShipperOptions {
  repoRoot: string;
  nginx: Pick<LocalNginx, 'provenanceLog' | 'pidFile'>;
  /** MYSQL_* and any SHIPPER_* / PROVENANCE_* settings. */
  env: Record<string, string>;
  logFile: string;
  readyTimeoutMs?: number;
}

export interface LocalShipper {
  identity: ProcessIdentity;
  metricsUrl: string;
  logFile: string;
  /** provenance_shipped_total now. */
  shipped(): Promise<number>;
  /** SIGTERM, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export async function startShipper(o: StartShipperOptions): Promise<LocalShipper> {
  const port = await freePort();
  const { pid, exited } = spawnLogged(process.execPath, ['--import', 'tsx', join('services', 'provenance', 'shipper', 'main.ts')], {
    cwd: o.repoRoot,
    env: {
      ...process.env,
      PROVENANCE_LOG: o.nginx.provenanceLog,
      NGINX_PID_FILE: o.nginx.pidFile,
      SHIPPER_METRICS_PORT: String(port),
      SHIPPER_METRICS_HOST: '127.0.0.1',
      ...o.env,
    },
    detached: true,
    logFile: o.logFile,
  });
  const identity = identify(pid);
  let dead: string | undefined;
  void exited.then((how) => (dead = how));
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  await waitForHttp(metricsUrl, {
    timeoutMs: o.readyTimeoutMs ?? 20_000,
    what: 'provenance shipper',
    died: () => (dead ? `${dead}\n${tailFile(o.logFile)}` : undefined),
  });
  return {
    identity,
    metricsUrl,
    logFile: o.logFile,
    async shipped() {
      const text = await (await fetch(metricsUrl)).text();
      return Number(/^provenance_shipped_total (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
    },
    async stop(graceMs = 10_000) {
      if (isRunning(identity)) await stopProcess(identity, { graceMs, group: true });
    },
  };
}
