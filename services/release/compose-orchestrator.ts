// Production orchestrator: `docker compose` with the version variables the compose file reads
// (STABLE_MODEL_VERSION, CANARY_MODEL_VERSION → MODEL_PATH=/app/models/<version>). The command
// runner is injected so tests can check the exact command lines without a Docker engine.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { posix } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.ts';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import type { Orchestrator } from './orchestrator.ts';

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
  composeFile?: string;
  projectName?: string;
  stableServices?: string[];
  canaryService?: string;
  /** The compose `.env` file: after each step its version variables are set to what now runs, so
   * a later plain `docker compose up -d` keeps the released versions. Left alone when missing. */
  envFile?: string;
  logger?: Logger;
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
        reject(new Error(`'${line}' failed (${err.code ?? err.message}): ${String(stderr).trim().slice(-2000)}`));
      } else resolve(String(stdout));
    });
  });

export function createComposeOrchestrator(opts: ComposeOrchestratorOptions = {}): Orchestrator {
  const run = opts.run ?? execRunner;
  const log = opts.logger ?? silentLogger;
  const stables = opts.stableServices ?? ['inference-stable-1', 'inference-stable-2'];
  const canary = opts.canaryService ?? 'inference-canary';
  const base = ['compose', ...(opts.composeFile ? ['-f', opts.composeFile] : []), ...(opts.projectName ? ['-p', opts.projectName] : [])];

  const versionEnv = (stable: string, canaryVersion: string) => ({
    STABLE_MODEL_VERSION: stable,
    CANARY_MODEL_VERSION: canaryVersion,
  });

  // --wait returns once the container is healthy (or running, without a healthcheck), which is
  // what lets the next stable go down only after this one serves again.
  async function recreate(service: string, env: Record<string, string>): Promise<void> {
    log.info('recreating service', { service, ...env });
    await run({ command: 'docker', args: [...base, 'up', '-d', '--no-deps', '--force-recreate', '--wait', service], env });
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

  async function versionOf(service: string): Promise<string> {
    const out = await run({ command: 'docker', args: [...base, 'exec', '-T', service, 'printenv', 'MODEL_PATH'], env: {} });
    const path = out.trim();
    if (!path) throw new Error(`service ${service} has no MODEL_PATH`);
    return posix.basename(path);
  }

  async function current() {
    const [stable, canaryVersion] = await Promise.all([versionOf(stables[0]), versionOf(canary)]);
    return { stable, canary: canaryVersion };
  }

  return {
    current,
    async deployCanary(version) {
      const now = await current();
      await recreate(canary, versionEnv(now.stable, version));
    },
    async promote(version) {
      for (const service of stables) await recreate(service, versionEnv(version, version));
    },
    async rollbackCanary(stableVersion) {
      await recreate(canary, versionEnv(stableVersion, stableVersion));
    },
  };
}
