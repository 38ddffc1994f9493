// Production orchestrator: the compose CLI (`docker compose` v2, or Compose v1's `docker-compose`)
// with the version variables the compose file reads (STABLE_MODEL_VERSION, CANARY_MODEL_VERSION →
// MODEL_PATH=/app/models/<version>). Health and running versions come from the engine's API
// (engine-api.ts), so nothing here needs `up --wait` (v2 only), `docker inspect` or `exec`.
// The command runner and the engine client are injected so tests need no engine.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { waitHealthy } from './container-health.ts';
import { systemClock, type Clock } from './controller.ts';
import { BUILD_INPUTS_LABEL } from './build-inputs.ts';
import type { ContainerInfo, EngineClient } from './engine-api.ts';
import type { Orchestrator } from './orchestrator.ts';
import type { TrackWeights } from './rollout.ts';
import { MarqueeError } from '../core/errors.ts';

/** The inference services of docker-compose.yml; they all run one image (x-inference). */
export const INFERENCE_SERVICES = {
  stables: ['inference-stable-1', 'inference-stable-2'],
  canary: 'inference-canary',
  /** Started with a stepped release on the stables' model, removed at its end. */
  baseline: 'inference-baseline',
} as const;

export interface CommandSpec {
  command: string;
  args: string[];
  /** Variables added to the runner's own environment. */
  env: Record<string, string>;
}

/** Runs a command and resolves with its stdout; rejects when it exits non-zero. */
export type CommandRunner = (spec: CommandSpec) => Promise<string>;

export interface ComposeOrchestratorOptions {
  run?: CommandRunner;
  /** The compose CLI as words: ['docker', 'compose'] (v2, the default) or ['docker-compose'] (v1). */
  composeCommand?: string[];
  composeFile?: string;
  projectName?: string;
  /** The compose `.env` file: passed as --env-file to every call when it exists, and after each
   * step its version variables are set to what now runs, so a later plain `up -d` keeps them. */
  envFile?: string;
  /** Build the (shared) inference image once before the first recreate (default true): a
   * recreate alone would start the old image, so new code would never reach the replicas. */
  build?: boolean;
  /** The checkout's build-inputs hash (build-inputs.ts): the build is skipped while the running
   * canary's image already carries it, and a build labels the image with it. */
  buildInputs?: string;
  /** The container engine's API (the CLI builds it from DOCKER_HOST, validated in config.ts). */
  engine: EngineClient;
  healthTimeoutMs?: number;
  healthPollMs?: number;
  clock?: Clock;
  services?: { stables: readonly string[]; canary: string; baseline: string };
  /** Routes the traffic per track (NGINX's weights); without it weights stay as NGINX is configured. */
  applyWeights?: (weights: TrackWeights) => Promise<void>;
  logger?: Logger;
}

/** Splits RELEASE_COMPOSE_COMMAND ("docker compose", "docker-compose") into words. */
export function parseComposeCommand(text: string): string[] {
  const words = text.trim().split(/\s+/).filter(Boolean);
  if (!words.length) throw new MarqueeError('CONFIG', 'the compose command is empty');
  return words;
}

/** The global options every compose call gets, so all of them see the same project. */
export function composeGlobalArgs(o: { composeFile?: string; projectName?: string; envFile?: string }): string[] {
  return [
    ...(o.composeFile ? ['-f', o.composeFile] : []),
    ...(o.projectName ? ['-p', o.projectName] : []),
    ...(o.envFile ? ['--env-file', o.envFile] : []),
  ];
}

/** Sets `KEY=value` lines in .env text (replacing the last assignment of each key, or appending). */
export function setEnvLines(text: string, values: Record<string, string>): string {
  const lines = text.length ? text.replace(/\n$/, '').split('\n') : [];
  for (const [key, value] of Object.entries(values)) {
    const pattern = new RegExp(`^\\s*(export\\s+)?${key}\\s*=`);
    let at = -1;
    lines.forEach((line, i) => {
      if (pattern.test(line)) at = i;
    });
    if (at === -1) lines.push(`${key}=${value}`);
    else lines[at] = `${key}=${value}`;
  }
  return `${lines.join('\n')}\n`;
}

export const execRunner: CommandRunner = (spec) =>
  new Promise((resolve, reject) => {
    execFile(spec.command, spec.args, { env: { ...process.env, ...spec.env }, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const line = [spec.command, ...spec.args].join(' ');
        reject(new MarqueeError('CONTAINER', `'${line}' failed (${err.code ?? err.message}): ${String(stderr).trim().slice(-2000)}`));
      } else resolve(String(stdout));
    });
  });

export function createComposeOrchestrator(opts: ComposeOrchestratorOptions): Orchestrator {
  const run = opts.run ?? execRunner;
  const log = opts.logger ?? silentLogger;
  const [command, ...leading] = opts.composeCommand ?? ['docker', 'compose'];
  const { stables, canary, baseline } = opts.services ?? INFERENCE_SERVICES;
  const engine = opts.engine;
  const clock = opts.clock ?? systemClock;
  let built = false;

  function compose(args: string[], env: Record<string, string> = {}): Promise<string> {
    // Compose refuses a missing --env-file, so it is passed only while the file exists.
    const envFile = opts.envFile && existsSync(opts.envFile) ? opts.envFile : undefined;
    const global = composeGlobalArgs({ composeFile: opts.composeFile, projectName: opts.projectName, envFile });
    return run({ command, args: [...leading, ...global, ...args], env });
  }

  /** The containers of a service, one-off `run` containers (which `ps -a` also lists) left out. */
  async function containersOf(service: string): Promise<ContainerInfo[]> {
    const ids = (await compose(['ps', '-a', '-q', service])).split('\n').map((l) => l.trim()).filter(Boolean);
    const infos = await Promise.all(ids.map((id) => engine.inspect(id)));
    return infos.filter((c) => c.labels['com.docker.compose.oneoff'] !== 'True');
  }

  const versionEnv = (stable: string, canaryVersion: string) => ({
    STABLE_MODEL_VERSION: stable,
    CANARY_MODEL_VERSION: canaryVersion,
  });

  function recordInEnvFile(env: Record<string, string>): void {
    if (!opts.envFile) return;
    if (!existsSync(opts.envFile)) {
      log.warn('compose env file missing; released versions not recorded there', { file: opts.envFile });
      return;
    }
    // .env holds secrets: keep its permissions across the atomic replacement.
    const mode = statSync(opts.envFile).mode & 0o777;
    writeFileAtomic(opts.envFile, setEnvLines(readFileSync(opts.envFile, 'utf8'), env));
    chmodSync(opts.envFile, mode);
  }

  /** The build-inputs label of the image a service's container runs (null: unknown). */
  async function imageInputs(service: string): Promise<string | null> {
    const [c] = await containersOf(service);
    const labels = c?.image ? await engine.imageLabels(c.image) : null;
    return labels?.[BUILD_INPUTS_LABEL] ?? null;
  }

  // The next stable goes down only once this one serves again (healthy = /readyz passes).
  async function recreate(service: string, env: Record<string, string>): Promise<void> {
    if (!built && opts.build !== false) {
      if (opts.buildInputs && (await imageInputs(canary)) === opts.buildInputs) {
        log.info('inference image up to date; no build', { inputs: opts.buildInputs });
      } else {
        // Every inference service runs the same image: building one (the canary) builds it for all.
        log.info('building the inference image', { service: canary, inputs: opts.buildInputs });
        await compose(['build', canary], opts.buildInputs ? { ...env, BUILD_INPUTS: opts.buildInputs } : env);
      }
    }
    built = true;
    log.info('recreating service', { service, ...env });
    await compose(['up', '-d', '--no-deps', '--force-recreate', service], env);
    await waitHealthy({
      service,
      ids: (await containersOf(service)).map((c) => c.id),
      engine,
      timeoutMs: opts.healthTimeoutMs ?? 180_000,
      pollMs: opts.healthPollMs ?? 2000,
      clock,
      logger: log,
    });
    recordInEnvFile(env);
  }

  /** The version a service's container was created with (its MODEL_PATH), read from the engine. */
  async function versionOf(service: string): Promise<string> {
    const version = await versionIfAny(service);
    if (version === null) throw new MarqueeError('CONTAINER', `service ${service} has no container (is the stack up?)`);
    return version;
  }

  async function versionIfAny(service: string): Promise<string | null> {
    const [c] = await containersOf(service);
    if (!c) return null;
    const path = c.env.MODEL_PATH?.trim();
    if (!path) throw new MarqueeError('CONTAINER', `service ${service} has no MODEL_PATH`);
    return posix.basename(path);
  }

  async function current() {
    const [stable, canaryVersion] = await Promise.all([versionOf(stables[0]), versionIfAny(canary)]);
    return { stable, canary: canaryVersion };
  }

  return {
    current,
    async deployCanary(version) {
      const now = await current();
      await recreate(canary, versionEnv(now.stable, version));
    },
    async deployBaseline(version) {
      const now = await current();
      await recreate(baseline, { ...versionEnv(now.stable, now.canary ?? now.stable), BASELINE_MODEL_VERSION: version });
    },
    async setWeights(weights) {
      if (opts.applyWeights) await opts.applyWeights(weights);
      else log.warn('no way to change the NGINX weights configured; the split stays as NGINX is configured', { ...weights });
    },
    async removeTrial() {
      // rm -s: stop, then remove; -f: no prompt. Both Compose v1 and v2 take it.
      await compose(['rm', '-s', '-f', canary, baseline]);
    },
    async promote(version) {
      for (const service of stables) await recreate(service, versionEnv(version, version));
      // Normally the canary already runs `version`; after an operator's --promote that cut a
      // canary deployment short it may not, and every replica must end on the promoted version.
      if ((await versionOf(canary)) !== version) await recreate(canary, versionEnv(version, version));
    },
    async rollbackCanary(stableVersion) {
      await recreate(canary, versionEnv(stableVersion, stableVersion));
    },
  };
}
