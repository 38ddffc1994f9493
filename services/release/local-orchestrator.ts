// Local-process orchestrator, for tests and local runs: each slot (stable-1, stable-2, canary, and
// during a stepped release baseline) is
// one `services/inference/main.ts` process on one of the slot's two fixed ports. A replacement
// starts the new process on the slot's other port, waits for /readyz and the new
// X-Model-Version, announces the new endpoints (NGINX upstreams, Prometheus targets), and only
// then stops the old process: at every moment the slot has a process that serves.
// Which process serves each slot is kept in a JSON state file, so a later run (or another CLI
// invocation) finds and replaces the processes a previous one started.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { MarqueeError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { isRunning, type ProcessIdentity } from '../core/process-identity.ts';
import { startInference, stopProcess, waitReady } from './inference-process.ts';
import type { TrackName } from './measure/types.ts';
import type { Orchestrator } from './orchestrator.ts';
import type { TrackWeights } from './rollout.ts';

export interface LocalSlot {
  name: string;
  track: TrackName;
  /** Two ports the slot alternates between on each replacement. */
  ports: [number, number];
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
  /** Called after a new process serves and before the old one stops: reload NGINX / Prometheus here. */
  onEndpointsChange?: (endpoints: LocalEndpoint[]) => Promise<void>;
  /** Routes the traffic per track (the local NGINX); endpoints are the processes serving now. */
  onWeightsChange?: (weights: TrackWeights, endpoints: LocalEndpoint[]) => Promise<void>;
  readyTimeoutMs?: number;
  /** Pause between announcing new endpoints and stopping the old process, for in-flight requests. */
  drainMs?: number;
  logger?: Logger;
}

export function defaultSlots(basePort: number): LocalSlot[] {
  return [
    { name: 'stable-1', track: 'stable', ports: [basePort, basePort + 1] },
    { name: 'stable-2', track: 'stable', ports: [basePort + 2, basePort + 3] },
    { name: 'canary', track: 'canary', ports: [basePort + 4, basePort + 5] },
    { name: 'baseline', track: 'baseline', ports: [basePort + 6, basePort + 7] },
  ];
}

/** A process as recorded: its pid and start time (null in a state written without it). */
const processFields = { pid: z.number().int(), startTicks: z.number().nullable().default(null) };
const runningSchema = z.object({
  ...processFields,
  port: z.number().int(),
  version: z.string(),
  /** The process this one replaced, until it is stopped (survives a crash in between). */
  retiring: z.object({ ...processFields, port: z.number().int() }).optional(),
});
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
  const drainMs = opts.drainMs ?? 500;
  const stables = opts.slots.filter((s) => s.track === 'stable');
  const canary = opts.slots.find((s) => s.track === 'canary');
  const baseline = opts.slots.find((s) => s.track === 'baseline');
  if (!stables.length || !canary) throw new Error('local orchestrator needs at least one stable slot and one canary slot');

  function load(): StackState {
    if (!existsSync(opts.stateFile)) return { slots: {} };
    const parsed = stackStateSchema.safeParse(JSON.parse(readFileSync(opts.stateFile, 'utf8')));
    if (!parsed.success) throw new Error(`local stack state ${opts.stateFile} is malformed: ${parsed.error.message}`);
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
    if (!existsSync(manifest)) throw new Error(`model ${version} not found: ${manifest} is missing`);
    const parsed = z.object({ version: z.string() }).safeParse(JSON.parse(readFileSync(manifest, 'utf8')));
    return { path, served: parsed.success ? parsed.data.version : version };
  }

  /** Announces the slot's endpoints, then stops the process it replaced. */
  async function retire(slot: LocalSlot): Promise<void> {
    const state = load();
    const current = state.slots[slot.name];
    await opts.onEndpointsChange?.(endpointsOf(state));
    if (!current?.retiring) return;
    if (isRunning(current.retiring)) {
      await sleep(drainMs);
      log.info('stopping previous inference', { slot: slot.name, port: current.retiring.port });
      await stopProcess(identityOf(current.retiring));
    }
    delete current.retiring;
    save(state);
  }

  async function replace(slot: LocalSlot, version: string): Promise<void> {
    // A run that died between starting a process and stopping its predecessor left that to do
    // (and the predecessor holds the port this replacement would use).
    if (load().slots[slot.name]?.retiring) await retire(slot);
    const state = load();
    const old = state.slots[slot.name];
    if (old && old.version === version && isRunning(old)) {
      log.info('slot already serves version', { slot: slot.name, version });
      return;
    }
    const model = modelDir(version);
    const port = old && old.port === slot.ports[0] ? slot.ports[1] : slot.ports[0];
    const logFile = join(logDir, `${slot.name}-${port}.log`);
    log.info('starting inference', { slot: slot.name, version, port });
    const started = startInference({
      repoRoot: opts.repoRoot,
      host,
      port,
      modelPath: model.path,
      track: slot.track,
      // The slot and port name the process in X-Replica and provenance rows (two processes of a
      // slot overlap while it changes model, so the slot name alone would not be unique).
      env: { REPLICA_NAME: `${slot.name}-${port}`, ...opts.env, ...opts.envFor?.(slot, version) },
      logFile,
    });
    try {
      await waitReady({ baseUrl: `http://${host}:${port}`, expectedVersion: model.served, timeoutMs: readyTimeoutMs, exited: started.exited, logFile });
    } catch (err) {
      await stopProcess(started.identity);
      throw err;
    }
    const retiring = old && isRunning(old) ? { ...identityOf(old), port: old.port } : undefined;
    state.slots[slot.name] = { ...started.identity, port, version, retiring };
    save(state);
    await retire(slot);
    log.info('slot replaced', { slot: slot.name, version, port });
  }

  function versionOf(s: StackState, slot: LocalSlot): string {
    const r = s.slots[slot.name];
    if (!r) throw new Error(`local slot ${slot.name} is not running (start the stack first)`);
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
      const processes = gone.flatMap((name) => {
        const r = s.slots[name];
        delete s.slots[name];
        return r.retiring ? [r, r.retiring] : [r];
      });
      save(s);
      // Announced first, so NGINX and Prometheus no longer use them when they stop.
      await opts.onEndpointsChange?.(endpointsOf(s));
      await sleep(drainMs);
      await Promise.all(processes.map((r) => stopProcess(identityOf(r))));
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
        if (r) {
          delete s.slots[slot.name]; // died: forget it, start afresh on the slot's first port
          save(s);
        }
        await replace(slot, slot.track === 'canary' ? (canaryVersion ?? stableVersion) : stableVersion);
      }
      return endpointsOf(load());
    },
    async down() {
      const s = load();
      const processes = Object.values(s.slots).flatMap((r) => (r.retiring ? [r, r.retiring] : [r]));
      await Promise.all(processes.map((r) => stopProcess(identityOf(r))));
      save({ slots: {} });
    },
    endpoints: () => endpointsOf(load()),
  };
}

/** Prometheus scrape targets (job `inference`, track and replica labels) from endpoints. */
export function scrapeTargetsOf(endpoints: LocalEndpoint[]): Array<{ address: string; job: string; track: TrackName; replica: string }> {
  return endpoints.map((e) => ({ address: e.address, job: 'inference', track: e.track, replica: e.slot }));
}

/** NGINX upstream lists from endpoints (baseline: empty outside a stepped release). */
export function upstreamsOf(endpoints: LocalEndpoint[]): Record<TrackName, string[]> {
  const of = (track: TrackName) => endpoints.filter((e) => e.track === track).map((e) => e.address);
  return { stable: of('stable'), baseline: of('baseline'), canary: of('canary') };
}
