// Child-process plumbing for the local stack (deploy/localstack) and the test servers: find a
// binary, pick a free port, stop a child, run a short command. Starting, waiting for and stopping
// any process by pid are spawn-logged.ts, wait-for-ready.ts and stop-process.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { MarqueeError } from './errors.ts';

/** Absolute path of `name` on PATH (or /usr/sbin, where Debian puts nginx); a clear error if missing. */
export function findBinary(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new MarqueeError('PROCESS', `'${name}' not found on PATH: install it with scripts/services/install-tools.sh`);
}

/**
 * Where freePort draws from: below the kernel's ephemeral range. Outgoing connections take their
 * local port from that range, so a server restarted at a port from it (a slot recreated at its
 * fixed address, a replica restarted after kill -9) could find it held by some client's socket and
 * fail with EADDRINUSE; below it only listeners compete, and freePort checks for those.
 */
export function listenPortRange(): { low: number; high: number } {
  let ephemeralLow = 32_768;
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    if (Number.isInteger(first) && first > 0) ephemeralLow = first;
  } catch {
    // not Linux: the IANA ephemeral range starts at 49152, the Linux default at 32768
  }
  return { low: 10_000, high: Math.min(ephemeralLow, 65_536) };
}

/** Ports this process has handed out, so that concurrent calls never return the same one. */
const handedOut = new Set<number>();

/** Whether a server can listen on `port` now. */
export function canListen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * A port that was free a moment ago, for servers that cannot listen on 0 or that must come back at
 * the same port: a random one below the ephemeral range (listenPortRange); the OS's pick only if
 * that range is too small or full.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const { low, high } = listenPortRange();
  for (let attempt = 0; high - low >= 1000 && attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    handedOut.add(port);
    if (await canListen(port, host)) return port;
  }
  return osPickedPort(host);
}

function osPickedPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Same as stopProcess (services/core/stop-process.ts) for a child of ours: waits for its 'exit' so it is reaped, not a zombie. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Runs a short command to completion; resolves with its exit code and combined output. */
export function runCommand(cmd: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
