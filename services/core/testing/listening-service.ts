// Runs a service's entry file as a child process (`node --import tsx` by default) on
// a port the OS picks (PORT=0), and learns that port from the service's own log line
// `... listening ... port=N`. For tests and benchmarks that need a real process.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ListeningService {
  child: ChildProcess;
  url: string;
  /** Everything the process has written to stdout and stderr so far. */
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then resolves once it has exited. */
  stop: () => Promise<void>;
}

export interface StartOptions {
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
  /** The node binary (default: this process's). */
  node?: string;
  /** Run the entry with tsx's loader (default) or on the node's own type stripping (Node >= 22.18). */
  loader?: 'tsx' | 'native';
}

/** Starts `file` and resolves once it listens; rejects, with its output, if it exits first. */
export function startListening(file: string, o: StartOptions): Promise<ListeningService> {
  const loader = o.loader === 'native' ? [] : ['--import', 'tsx'];
  const child = spawn(o.node ?? process.execPath, [...loader, file, ...(o.args ?? [])], {
    cwd: o.cwd,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exit;
  };
  return new Promise((resolveStart, rejectStart) => {
    let started = false;
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = started ? null : / listening .*port=(\d+)/.exec(out);
      if (!m) return;
      started = true;
      resolveStart({ child, url: `http://127.0.0.1:${m[1]}`, output: () => out, exit, stop });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    void exit.then(({ code, signal }) => rejectStart(new Error(`${file} exited (${signal ?? `code ${code}`}) before listening:\n${out}`)));
  });
}
