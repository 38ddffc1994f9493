// `tsx deploy/localstack/cli.ts nginx|prometheus start|stop [options]`: a local NGINX or
// Prometheus that outlives the command (for local runs; scripts/services/{nginx,prometheus}-*.sh
// wrap it). `start` on a running instance applies the new upstreams/targets instead.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, UsageError } from '../../services/core/args.ts';
import { runCli } from '../../services/core/cli.ts';
import { MarqueeError } from '../../services/core/errors.ts';
import { attachNginx, startNginx, type TrackWeights, type Upstreams } from './nginx.ts';
import { attachPrometheus, startPrometheus, type ScrapeTarget } from './prometheus.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const USAGE = `usage:
  cli.ts nginx start --stable HOST:PORT[,HOST:PORT...] [--canary HOST:PORT,...] [--port 8082]
                     [--weights 4:1] [--host 127.0.0.1] [--dir var/nginx]
  cli.ts nginx stop [--dir var/nginx]
  cli.ts prometheus start --targets TRACK=HOST:PORT[,...] [--job inference] [--port 9090]
                          [--interval-ms 5000] [--host 127.0.0.1] [--dir var/prometheus]
  cli.ts prometheus stop [--dir var/prometheus]`;

const list = (v: unknown): string[] => (typeof v === 'string' && v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);

function intOption(v: unknown, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a non-negative integer, got '${String(v)}'`);
  return n;
}

export function parseWeights(text: string): TrackWeights {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new UsageError(`--weights must look like STABLE:CANARY (e.g. 4:1), got '${text}'`);
  return { stable: Number(m[1]), canary: Number(m[2]) };
}

export function parseTargets(text: string, job: string): ScrapeTarget[] {
  return list(text).map((item) => {
    const m = /^(stable|canary)=(.+)$/.exec(item);
    if (!m) throw new UsageError(`--targets items must be stable=HOST:PORT or canary=HOST:PORT, got '${item}'`);
    return { track: m[1] as 'stable' | 'canary', address: m[2], job };
  });
}

async function nginx(action: string, argv: string[]): Promise<void> {
  const a = parseArgs(argv, { stable: 'string', canary: 'string', port: 'string', weights: 'string', host: 'string', dir: 'string' });
  const dir = resolve(REPO, String(a.dir ?? 'var/nginx'));
  const running = attachNginx(dir);
  if (action === 'stop') {
    if (!running) return void console.log(`nginx: none running from ${dir}`);
    await running.stop();
    return void console.log(`nginx: stopped (pid ${running.pid})`);
  }
  if (action !== 'start') throw new UsageError(`unknown action '${action}'`);
  const upstreams: Upstreams = { stable: list(a.stable), canary: list(a.canary) };
  const weights = a.weights === undefined ? undefined : parseWeights(String(a.weights));
  const port = intOption(a.port, 'port', 8082);
  if (running) {
    if (running.port !== port) throw new MarqueeError('PROCESS', `nginx already runs from ${dir} on port ${running.port}; stop it first`);
    await running.reload(upstreams, weights);
    return void console.log(`nginx: reloaded on ${running.url} (pid ${running.pid})`);
  }
  const started = await startNginx({ port, host: a.host as string | undefined, upstreams, weights, dir, detached: true });
  console.log(`nginx: ${started.url} (pid ${started.pid}, logs ${started.accessLog})`);
}

async function prometheus(action: string, argv: string[]): Promise<void> {
  const a = parseArgs(argv, { targets: 'string', job: 'string', port: 'string', 'interval-ms': 'string', host: 'string', dir: 'string' });
  const dir = resolve(REPO, String(a.dir ?? 'var/prometheus'));
  const running = attachPrometheus(dir);
  if (action === 'stop') {
    if (!running) return void console.log(`prometheus: none running from ${dir}`);
    await running.stop();
    return void console.log(`prometheus: stopped (pid ${running.pid})`);
  }
  if (action !== 'start') throw new UsageError(`unknown action '${action}'`);
  const targets = parseTargets(String(a.targets ?? ''), String(a.job ?? 'inference'));
  const port = intOption(a.port, 'port', 9090);
  if (running) {
    if (running.port !== port) throw new MarqueeError('PROCESS', `prometheus already runs from ${dir} on port ${running.port}; stop it first`);
    await running.reloadTargets(targets);
    return void console.log(`prometheus: reloaded on ${running.url} (pid ${running.pid})`);
  }
  const started = await startPrometheus({
    port,
    host: a.host as string | undefined,
    targets,
    scrapeIntervalMs: intOption(a['interval-ms'], 'interval-ms', 5000),
    dir,
    detached: true,
  });
  console.log(`prometheus: ${started.url} (pid ${started.pid}, dir ${dir})`);
}

async function main(argv: string[]): Promise<number> {
  const [tool, action, ...rest] = argv;
  if (!action) throw new UsageError('missing tool and action');
  if (tool === 'nginx') await nginx(action, rest);
  else if (tool === 'prometheus') await prometheus(action, rest);
  else throw new UsageError(`unknown tool '${tool}'`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) runCli('localstack', USAGE, main);
