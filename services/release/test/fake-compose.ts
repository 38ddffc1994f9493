// A pretend Compose project for the compose orchestrator's tests: a command runner that plays the
// compose CLI (build / up / ps) over an in-memory set of containers, and a real HTTP server on a
// unix socket that answers the engine API (version, container inspect, Podman's healthcheck run)
// from the same containers. Every command and API request is logged in one sequence, so tests
// can check what happened in which order.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandSpec } from '../compose-orchestrator.ts';

export interface FakeContainer {
  id: string;
  service: string;
  status: string;
  exitCode: number;
  /** Health states for successive inspects, whoever inspects (the last one sticks); null = no healthcheck. */
  health: string[] | null;
  healthOutput?: string;
  env: Record<string, string>;
  oneoff?: boolean;
}

export interface FakeComposeOptions {
  /** The compose CLI words the runner expects first: ['docker', 'compose'] or ['docker-compose']. */
  cli?: string[];
  /** Versions running at the start, per service. */
  running: Record<string, string>;
  podman?: boolean;
  /** Health script for a container that `up` creates (default: healthy at once). */
  healthAfterUp?: (service: string, env: Record<string, string>) => Pick<FakeContainer, 'health' | 'status' | 'exitCode' | 'healthOutput'>;
  /** What Podman's healthcheck run turns the health into (default: healthy). */
  healthcheckResult?: string;
  failUp?: (service: string) => string | undefined;
  /** Local images and their labels (inspected by name); a container runs `marquee-inference:latest`. */
  images?: Record<string, Record<string, string>>;
}

const GLOBAL_WITH_VALUE = new Set(['-f', '--file', '-p', '--project-name', '--env-file']);

export async function fakeCompose(opts: FakeComposeOptions) {
  const cli = opts.cli ?? ['docker', 'compose'];
  const containers = new Map<string, FakeContainer>();
  const log: string[] = [];
  const calls: CommandSpec[] = [];
  let next = 1;
  const add = (c: Omit<FakeContainer, 'id'>) => {
    const id = `c${String(next++).padStart(3, '0')}`;
    containers.set(id, { ...c, id });
    return id;
  };
  for (const [service, version] of Object.entries(opts.running)) {
    add({ service, status: 'running', exitCode: 0, health: ['healthy'], env: { MODEL_PATH: `/app/models/${version}`, TRACK: 'x' } });
  }

  async function run(spec: CommandSpec): Promise<string> {
    calls.push(spec);
    const words = [spec.command, ...spec.args];
    if (words.slice(0, cli.length).join(' ') !== cli.join(' ')) throw new Error(`not the compose CLI: ${words.join(' ')}`);
    let i = cli.length;
    while (words[i]?.startsWith('-')) i += GLOBAL_WITH_VALUE.has(words[i]) ? 2 : 1;
    const [sub, ...rest] = words.slice(i);
    const service = rest[rest.length - 1];
    log.push(`${sub} ${rest.join(' ')}`);
    if (sub === 'build') return '';
    if (sub === 'ps') return [...containers.values()].filter((c) => c.service === service).map((c) => `${c.id}\n`).join('');
    if (sub === 'up') {
      if (rest.includes('--wait')) throw new Error('Compose v1 has no --wait');
      const failure = opts.failUp?.(service);
      if (failure) throw new Error(failure);
      for (const c of [...containers.values()]) if (c.service === service && !c.oneoff) containers.delete(c.id);
      const version = service.includes('canary') ? spec.env.CANARY_MODEL_VERSION : spec.env.STABLE_MODEL_VERSION;
      const state = opts.healthAfterUp?.(service, spec.env) ?? { status: 'running', exitCode: 0, health: ['healthy'] };
      add({ service, ...state, env: { MODEL_PATH: `/app/models/${version}` } });
      return '';
    }
    throw new Error(`fake compose does not know '${sub}'`);
  }

  function inspectJson(c: FakeContainer) {
    const health = c.health ? (c.health.length > 1 ? c.health.shift()! : c.health[0]) : null;
    return {
      Id: c.id,
      Name: `/marquee_${c.service}_1`,
      State: {
        Status: c.status,
        ExitCode: c.exitCode,
        ...(health ? { Health: { Status: health, FailingStreak: 0, Log: c.healthOutput ? [{ Output: c.healthOutput, ExitCode: 1 }] : null } } : {}),
      },
      Config: {
        Env: [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), 'PATH=/usr/bin'],
        Labels: { 'com.docker.compose.service': c.service, 'com.docker.compose.oneoff': c.oneoff ? 'True' : 'False' },
        Image: 'marquee-inference:latest',
        ...(c.health ? { Healthcheck: { Test: ['CMD-SHELL', 'check'], Interval: 5e9 } } : {}),
      },
    };
  }

  const dir = mkdtempSync(join(tmpdir(), 'fake-engine-'));
  const socketPath = join(dir, 'engine.sock');
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '';
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url === '/version') return reply(200, { Components: [{ Name: opts.podman ? 'Podman Engine' : 'Engine' }] });
    const image = /^\/images\/([^/]+)\/json$/.exec(url);
    if (image) {
      const labels = opts.images?.[decodeURIComponent(image[1])];
      log.push(`image ${decodeURIComponent(image[1])}`);
      return labels ? reply(200, { Config: { Labels: labels } }) : reply(404, { message: 'no such image' });
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(url);
    const check = /^\/v4\.0\.0\/libpod\/containers\/([^/]+)\/healthcheck$/.exec(url);
    const c = containers.get(decodeURIComponent((inspect ?? check)?.[1] ?? ''));
    if (inspect) log.push(`inspect ${inspect[1]}`);
    if (check) log.push(`healthcheck ${check[1]}`);
    if ((inspect || check) && !c) return reply(404, { message: 'no such container' });
    if (inspect && c) return reply(200, inspectJson(c));
    if (check && c && opts.podman) {
      c.health = [opts.healthcheckResult ?? 'healthy'];
      return reply(200, { Status: c.health[0], FailingStreak: 0, Log: null });
    }
    reply(404, { message: `page not found: ${url}` });
  });
  await new Promise<void>((r) => server.listen(socketPath, r));

  return {
    run,
    calls,
    log,
    containers,
    socketPath,
    /** The command lines, with the version variables first, as a person would type them. */
    lines: () =>
      calls.map((c) => [...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), c.command, ...c.args].join(' ')),
    add,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
