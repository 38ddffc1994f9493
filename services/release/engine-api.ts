// The container engine's Docker-compatible HTTP API (Docker, or Podman's `podman system service`),
// read directly: the compose CLI alone cannot say whether a container is healthy (Compose v1 has no
// `up --wait`) and a `docker` CLI may not exist beside it. Only what the release needs: inspect a
// container, tell Podman apart, and have Podman run a healthcheck.
import { request } from 'node:http';
import { z } from 'zod';
import { MarqueeError, type MarqueeErrorOptions } from '../core/errors.ts';

export type EngineEndpoint = { socketPath: string } | { host: string; port: number };

/** DOCKER_HOST as the Docker and Compose CLIs read it; unset means the default socket. */
export function parseDockerHost(value: string | undefined): EngineEndpoint {
  if (!value) return { socketPath: '/var/run/docker.sock' };
  const unix = /^unix:\/\/(.+)$/.exec(value);
  if (unix) return { socketPath: unix[1] };
  const tcp = /^(?:tcp|http):\/\/([^/:]+|\[[^\]]+\])(?::(\d+))?\/?$/.exec(value);
  if (tcp) return { host: tcp[1].replace(/^\[|\]$/g, ''), port: tcp[2] ? Number(tcp[2]) : 2375 };
  throw new MarqueeError('CONFIG', `'${value}' is not supported: use unix:///path/to/socket or tcp://host:port (plain HTTP)`);
}

export interface ContainerInfo {
  id: string;
  name: string;
  /** Engine state: created, running, restarting, paused, exited, dead, … */
  status: string;
  exitCode: number;
  /** starting | healthy | unhealthy; null when the container has no healthcheck. */
  health: string | null;
  /** Output of the latest healthcheck run, if the engine kept it. */
  lastHealthOutput: string | null;
  /** The healthcheck's configured interval (null: none configured, or the engine's default). */
  healthIntervalMs: number | null;
  env: Record<string, string>;
  labels: Record<string, string>;
  /** The image the container was created from, as named then (e.g. `marquee-inference:latest`). */
  image: string | null;
}

export interface EngineClient {
  inspect(id: string): Promise<ContainerInfo>;
  /** Podman runs healthchecks from systemd timers, so without systemd they never run by themselves. */
  isPodman(): Promise<boolean>;
  /** Podman only: run the container's healthcheck now (its result lands in inspect's health). */
  runHealthcheck(id: string): Promise<void>;
  /** The labels of a local image; null when there is no such image. */
  imageLabels(name: string): Promise<Record<string, string> | null>;
}

const inspectSchema = z.object({
  Id: z.string(),
  Name: z.string().optional(),
  State: z.object({
    Status: z.string(),
    ExitCode: z.number().optional(),
    Health: z
      .object({
        Status: z.string().optional(),
        Log: z.array(z.object({ Output: z.string().optional() })).nullish(),
      })
      .nullish(),
  }),
  Config: z.object({
    Env: z.array(z.string()).nullish(),
    Labels: z.record(z.string(), z.string()).nullish(),
    Image: z.string().nullish(),
    Healthcheck: z.object({ Test: z.array(z.string()).nullish(), Interval: z.number().optional() }).nullish(),
  }),
});

/** Inspect JSON → ContainerInfo (pure, exported for tests). */
export function containerInfoOf(json: unknown): ContainerInfo {
  const parsed = inspectSchema.safeParse(json);
  if (!parsed.success) throw new MarqueeError('CONTAINER', `unexpected container inspect answer: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const d = parsed.data;
  const test = d.Config.Healthcheck?.Test ?? [];
  const hasCheck = test.length > 0 && test[0] !== 'NONE';
  const env: Record<string, string> = {};
  for (const line of d.Config.Env ?? []) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  const log = d.State.Health?.Log ?? [];
  const interval = d.Config.Healthcheck?.Interval;
  return {
    id: d.Id,
    name: (d.Name ?? d.Id.slice(0, 12)).replace(/^\//, ''),
    status: d.State.Status,
    exitCode: d.State.ExitCode ?? 0,
    // Podman reports '' before the first check; both engines mean "not decided yet".
    health: hasCheck ? d.State.Health?.Status || 'starting' : null,
    lastHealthOutput: log.length ? (log[log.length - 1].Output ?? '').trim() || null : null,
    healthIntervalMs: hasCheck && interval ? interval / 1e6 : null,
    env,
    labels: d.Config.Labels ?? {},
    image: d.Config.Image ?? null,
  };
}

/** The engine answered with an error status, or could not be reached (`status` undefined). */
export class EngineError extends MarqueeError {
  readonly status?: number;

  constructor(
    message: string,
    status?: number,
    options?: MarqueeErrorOptions,
  ) {
    super('CONTAINER', message, options);
    this.status = status;
  }
}

export function createEngineClient(endpoint: EngineEndpoint, timeoutMs = 15_000): EngineClient {
  const where = 'socketPath' in endpoint ? endpoint.socketPath : `${endpoint.host}:${endpoint.port}`;

  function get(path: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const req = request(
        // agent: false, a connection per request: polls are seconds apart, and a pooled connection
        // to an engine that restarted meanwhile would fail with EPIPE.
        { ...endpoint, path, method: 'GET', headers: { host: 'docker' }, timeout: timeoutMs, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            try {
              body = JSON.parse(text);
            } catch {
              // not JSON: keep the text for the message
            }
            if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) return resolve(body);
            const message = typeof body === 'object' && body && 'message' in body ? String(body.message) : text.trim().slice(0, 500);
            reject(new EngineError(`container engine at ${where}: GET ${path} answered ${res.statusCode}: ${message}`, res.statusCode));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('error', (err) => reject(new EngineError(`container engine at ${where} (DOCKER_HOST): GET ${path} failed: ${err.message}`, undefined, { cause: err })));
      req.end();
    });
  }

  let podman: Promise<boolean> | undefined;
  return {
    async inspect(id) {
      return containerInfoOf(await get(`/containers/${encodeURIComponent(id)}/json`));
    },
    isPodman() {
      podman ??= get('/version').then((v) =>
        z
          .object({ Components: z.array(z.object({ Name: z.string() })).nullish() })
          .catch({ Components: [] })
          .parse(v)
          .Components?.some((c) => /podman/i.test(c.Name)) ?? false,
      ).catch(() => {
        podman = undefined; // ask again next time rather than remember a hiccup
        return false;
      });
      return podman;
    },
    async runHealthcheck(id) {
      await get(`/v4.0.0/libpod/containers/${encodeURIComponent(id)}/healthcheck`);
    },
    async imageLabels(name) {
      let json: unknown;
      try {
        json = await get(`/images/${encodeURIComponent(name)}/json`);
      } catch (err) {
        if (err instanceof EngineError && err.status === 404) return null;
        throw err;
      }
      return z.object({ Config: z.object({ Labels: z.record(z.string(), z.string()).nullish() }).nullish() }).parse(json).Config?.Labels ?? {};
    },
  };
}
