// The container engine for the stack stories: scripts/containers/engine-up.sh makes it usable (Podman
// here, Docker where there is one) and prints the variables that point the Compose CLI at it.
import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { REPO } from './clean-checkout.ts';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `export A='x' B='y'` lines → { A: 'x', B: 'y' }. */
export function parseExports(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of text.matchAll(/([A-Z_][A-Z0-9_]*)='([^']*)'/g)) vars[m[1]] = m[2];
  return vars;
}

/** Starts (or finds) the engine; returns the environment every engine command needs. */
export function engineEnv(): NodeJS.ProcessEnv {
  const out = execFileSync('bash', [resolve(REPO, 'scripts/containers/engine-up.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  return { ...process.env, ...parseExports(out) };
}

/** Runs a command to its end; never throws for a non-zero exit (the caller asserts on `code`). */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CommandResult> {
  return new Promise((done) => {
    execFile(
      command,
      args,
      { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 10 * 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Throws with the command's own output when it failed. */
export function check(what: string, r: CommandResult): CommandResult {
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}):\n${(r.stderr || r.stdout).slice(-4000)}`);
  return r;
}
