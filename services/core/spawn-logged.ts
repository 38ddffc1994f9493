// Starting a long-running process whose output goes to a log file (appended), so it can be read
// after the process has died, or after the process that started it has gone (`detached`).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MarqueeError } from './errors.ts';

export interface SpawnLoggedOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Its own process group, not waited for by this process (it may outlive it). */
  detached?: boolean;
}

export interface SpawnedProcess {
  child: ChildProcess;
  pid: number;
  /** Resolves with how the process ended ("code 1", "signal SIGKILL", "error ..."); never rejects. */
  exited: Promise<string>;
}

export function spawnLogged(command: string, args: string[], o: SpawnLoggedOptions): SpawnedProcess {
  mkdirSync(dirname(o.logFile), { recursive: true });
  const fd = openSync(o.logFile, 'a');
  try {
    const child = spawn(command, args, { cwd: o.cwd, env: o.env, detached: o.detached ?? false, stdio: ['ignore', fd, fd] });
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
      child.once('error', (err) => resolve(`error ${err.message}`));
    });
    if (child.pid === undefined) throw new MarqueeError('PROCESS', `could not start ${command}`);
    if (o.detached) child.unref();
    return { child, pid: child.pid, exited };
  } finally {
    closeSync(fd); // the child holds its own copy
  }
}

/** The last `lines` lines of a log file, for an error message; '' when there is none. */
export function tailFile(path: string, lines = 15): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}
