// Local-process orchestrator, for tests and local runs: each slot (stable-1, stable-2, canary, and
// during a stepped release baseline) is one `services/inference/main.ts` process on the slot's
// fixed port. A replacement recreates the slot in place, as Compose recreates a container at its
// fixed address: the old process drains and stops, the new one starts on the same port and is
// awaited (/readyz and the new X-Model-Version). NGINX's upstreams therefore never change
// (slotUpstreams) and NGINX is never reloaded for a deployment: a reload closes the old workers'
// idle keep-alive client connections, and a client sending on one at that moment gets a reset.
// While a slot is empty NGINX sends its requests to the track's other servers or to the backups
// (deploy/config/nginx-track-routing.ts); the controller checks a model (md5) before any slot changes.
// Which process serves each slot is kept in a JSON state file, so a later run (or another CLI
// invocation) finds and replaces the processes a previous one started.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { MarqueeError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { isRunning, type ProcessIdentity } from '../core/process-identity.ts';
import { loadArtifact } from '../model/index.ts';
import { startInference, stopProcess, waitReady } from './inference-process.ts';
import type { TrackName } from './measure/types.ts';
import type { Orchestrator } from './orchestrator.ts';
import type { TrackWeights } from './rollout.ts';

export interface LocalSlot {
  name: string;
  track: TrackName;
  /** The slot's fixed port: every process of the slot listens here, one at a time. */
  port: number;
}

export interface LocalEndpoint {
  slot: string;
  track: TrackName;
  address: string; // host:port
  version: string;
}

export interface LocalOrchestratorOptions {
  repoRoot: string;
  /** Model artifacts: <modelsDir>/<version>/{model.bin,manifest.json}. */
  modelsDir: string;
  /** Where the running processes (pid, port, version per slot) are recorded. */
  stateFile: string;
  slots: LocalSlot[];
  host?: string;
  logDir?: string;
  /** Environment for every process (PROVENANCE, MYSQL_*, ...). */
  env?: Record<string, string>;
  /** Extra environment for one slot running one version (e.g. INFERENCE_TEST_DELAY_MS on a canary). */
  envFor?: (slot: LocalSlot, version: string) => Record<string, string>;
  /** Called whenever the set of serving processes changed (Prometheus targets; NGINX's upstreams are
   * the slots' fixed addresses, slotUpstreams, and need no change). */
  onEndpointsChange?: (endpoints: LocalEndpoint[]) => Promise<void>;
  /** Routes the traffic per track (the local NGINX); endpoints are the processes serving now. */
  onWeightsChange?: (weights: TrackWeights, endpoints: LocalEndpoint[]) => Promise<void>;
  readyTimeoutMs?: number;
  logger?: Logger;
}

export function defaultSlots(basePort: number): LocalSlot[] {
  return [
    { name: 'stable-1', track: 'stable', port: basePort },
    { name: 'stable-2', track: 'stable', port: basePort + 1 },
    { name: 'canary', track: 'canary', port: basePort + 2 },
    { name: 'baseline', track: 'baseline', port: basePort + 3 },
  ];
}

/** A process as recorded: its pid and start time (null in a state written without it). */
const processFields = { pid: z.number().int(), startTicks: z.number().nullable().default(null) };
const runningSchema = z.object({ ...processFields, port: z.number().int(), version: z.string() });
const identityOf = (r: ProcessIdentity): ProcessIdentity => ({ pid: r.pid, startTicks: r.startTicks });
const stackStateSchema = z.object({ slots: z.record(z.string(), runningSchema) });
type StackState = z.infer<typeof stackStateSchema>;

export interface LocalOrchestrator extends Orchestrator {
  /** Starts any slot that has no live process: stables on `stableVersion`, the canary on
   * `canaryVersion`; a baseline starts only with a release (deployBaseline). */
  up(stableVersion: string, canaryVersion?: string | null): Promise<LocalEndpoint[]>;
  /** Stops every process and forgets them. */
  down(): Promise<void>;
  endpoints(): LocalEndpoint[];
}

export function createLocalOrchestrator(opts: LocalOrchestratorOptions): LocalOrchestrator {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.logger ?? silentLogger;
  const logDir = opts.logDir ?? join(opts.repoRoot, 'var', 'local-stack');
  const readyTimeoutMs = opts.readyTimeoutMs ?? 90_000;
  const stables = opts.slots.filter((s) => s.track === 'stable');
  const canary = opts.slots.find((s) => s.track === 'canary');
  const baseline = opts.slots.find((s) => s.track === 'baseline');
  if (!stables.length || !canary) throw new Error('local orchestrator needs at least one stable slot and one canary slot');

  function load(): StackState {
    if (!existsSync(opts.stateFile)) return { slots: {} };
    const parsed = stackStateSchema.safeParse(JSON.parse(readFileSync(opts.stateFile, 'utf8')));
    if (!parsed.success) throw new MarqueeError('INPUT', `local stack state ${opts.stateFile} is malformed: ${parsed.error.message}`);
    return parsed.data;
  }
  const save = (s: StackState) => writeFileAtomic(opts.stateFile, `${JSON.stringify(s, null, 2)}\n`);

  function endpointsOf(s: StackState): LocalEndpoint[] {
    return opts.slots.flatMap((slot) => {
      const r = s.slots[slot.name];
      return r ? [{ slot: slot.name, track: slot.track, address: `${host}:${r.port}`, version: r.version }] : [];
    });
  }

  /** The version an artifact reports (its manifest), which is what X-Model-Version carries. */
  function modelDir(version: string): { path: string; served: string } {
    const path = resolve(opts.modelsDir, version);
    const manifest = join(path, 'manifest.json');
    if (!existsSync(manifest)) throw new MarqueeError('ARTIFACT', `model ${version} not found: ${manifest} is missing`);
    const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(readFileSync(manifest, 'utf8')));
    return { path, served: parsed.success ? parsed.data.version : version };
  }

  async function replace(slot: LocalSlot, version: string): Promise<void> {
    const model = modelDir(version);
    const state = load();
    const old = state.slots[slot.name];
    if (old && old.version === version && isRunning(old)) {
      log.info('slot already serves version', { slot: slot.name, version });
      // Announced again: an earlier call may have failed right after starting it.
      await opts.onEndpointsChange?.(endpointsOf(state));
      return;
    }
    // The model the new process will load, checked as it will be loaded (sizes, md5s, format)
    // before the old process stops: a broken artifact leaves the slot as it was.
    try {
      await loadArtifact(model.path);
    } catch (err) {
      throw new MarqueeError('MODEL_CHECK', `model ${version} cannot be served from ${model.path}: ${(err as Error).message}`, { cause: err });
    }
    if (old) {
      // A graceful stop: the process answers what it has in flight, then closes its connections.
      if (isRunning(old)) {
        log.info('stopping inference', { slot: slot.name, version: old.version, port: old.port });
        await stopProcess(identityOf(old));
      }
      delete state.slots[slot.name];
      save(state);
    }
    const port = slot.port;
    const logFile = join(logDir, `${slot.name}-${port}.log`);
    log.info('starting inference', { slot: slot.name, version, port });
    const started = startInference({
      repoRoot: opts.repoRoot,
      host,
      port,
      modelPath: model.path,
      track: slot.track,
      // The slot and port name the process in X-Replica and provenance rows.
      env: { REPLICA_NAME: `${slot.name}-${port}`, ...opts.env, ...opts.envFor?.(slot, version) },
      logFile,
    });
    try {
      await waitReady({ baseUrl: `http://${host}:${port}`, expectedVersion: model.served, timeoutMs: readyTimeoutMs, exited: started.exited, logFile });
    } catch (err) {
      await stopProcess(started.identity);
      await opts.onEndpointsChange?.(endpointsOf(load()));
      throw err;
    }
    state.slots[slot.name] = { ...started.identity, port, version };
    save(state);
    await opts.onEndpointsChange?.(endpointsOf(state));
    log.info('slot replaced', { slot: slot.name, version, port });
  }

  function versionOf(s: StackState, slot: LocalSlot): string {
    const r = s.slots[slot.name];
    if (!r) throw new MarqueeError('PROCESS', `local slot ${slot.name} is not running (start the stack first)`);
    return r.version;
  }

  return {
    async deployCanary(version) {
      await replace(canary, version);
    },
    async promote(version) {
      // The canary normally runs `version` already (replace() then does nothing); after an
      // operator's --promote cut its deployment short it does not, and every slot must end on it.
      for (const slot of [...stables, canary]) await replace(slot, version);
    },
    async rollbackCanary(stableVersion) {
      await replace(canary, stableVersion);
    },
    async deployBaseline(version) {
      if (!baseline) throw new MarqueeError('CONFIG', 'the local orchestrator has no baseline slot');
      await replace(baseline, version);
    },
    async setWeights(weights) {
      await opts.onWeightsChange?.(weights, endpointsOf(load()));
    },
    async removeTrial() {
      const s = load();
      const gone = [canary, baseline].flatMap((slot) => (slot && s.slots[slot.name] ? [slot.name] : []));
      if (!gone.length) return;
      const processes = gone.map((name) => s.slots[name]);
      for (const name of gone) delete s.slots[name];
      save(s);
      // Graceful stops: in-flight requests are answered; NGINX sends new ones to the backups.
      await Promise.all(processes.map((r) => stopProcess(identityOf(r))));
      await opts.onEndpointsChange?.(endpointsOf(s));
      log.info('canary and baseline removed', { slots: gone.join(', ') });
    },
    async current() {
      const s = load();
      return { stable: versionOf(s, stables[0]), canary: s.slots[canary.name]?.version ?? null };
    },
    async up(stableVersion, canaryVersion) {
      for (const slot of opts.slots.filter((x) => x.track !== 'baseline')) {
        const s = load();
        const r = s.slots[slot.name];
        if (r && isRunning(r)) continue;
        await replace(slot, slot.track === 'canary' ? (canaryVersion ?? stableVersion) : stableVersion);
      }
      return endpointsOf(load());
    },
    async down() {
      const s = load();
      await Promise.all(Object.values(s.slots).map((r) => stopProcess(identityOf(r))));
      save({ slots: {} });
    },
    endpoints: () => endpointsOf(load()),
  };
}

/** Prometheus scrape targets (job `inference`, track and replica labels) from endpoints. */
export function scrapeTargetsOf(endpoints: LocalEndpoint[]): Array<{ address: string; job: string; track: TrackName; replica: string }> {
  return endpoints.map((e) => ({ address: e.address, job: 'inference', track: e.track, replica: e.slot }));
}

/**
 * NGINX upstream lists: every slot's fixed address, running or not, so that no deployment needs
 * NGINX reloaded (a slot without a process is skipped by NGINX's retry, see the head of this file).
 */
export function slotUpstreams(slots: LocalSlot[], host = '127.0.0.1'): Record<TrackName, string[]> {
  const of = (track: TrackName) => slots.filter((s) => s.track === track).map((s) => `${host}:${s.port}`);
  return { stable: of('stable'), baseline: of('baseline'), canary: of('canary') };
}

/** NGINX upstream lists from the running endpoints (baseline: empty outside a stepped release). */
export function upstreamsOf(endpoints: LocalEndpoint[]): Record<TrackName, string[]> {
  const of = (track: TrackName) => endpoints.filter((e) => e.track === track).map((e) => e.address);
  return { stable: of('stable'), baseline: of('baseline'), canary: of('canary') };
}
