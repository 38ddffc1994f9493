// Waiting for a recreated service to serve, as `docker compose up --wait` does (Compose v1 has no
// --wait): poll the engine until every container of the service is healthy (or running, without
// a healthcheck), fail at once when one is unhealthy or has exited, give up at the timeout.
import type { Logger } from '../core/logger.ts';
import type { Clock } from './controller.ts';
import { formatDuration } from './duration.ts';
import type { ContainerInfo, EngineClient } from './engine-api.ts';
import { MarqueeError } from '../core/errors.ts';

export type Readiness = 'ready' | 'waiting' | 'failed';

/** Pure: what one inspected container means for the wait. */
export function readinessOf(c: ContainerInfo): Readiness {
  if (c.status === 'exited' || c.status === 'dead' || c.status === 'stopped') return 'failed';
  if (c.status !== 'running') return 'waiting'; // created, restarting, …
  if (c.health === null || c.health === 'healthy') return 'ready';
  return c.health === 'unhealthy' ? 'failed' : 'waiting';
}

/** Pure: "running, health starting" / "exited (code 1)", with the last healthcheck output if any. */
export function describeContainer(c: ContainerInfo): string {
  const state = c.status === 'exited' || c.status === 'dead' ? `${c.status} (code ${c.exitCode})` : c.status;
  const health = c.health === null ? 'no healthcheck' : `health ${c.health}`;
  const output = c.lastHealthOutput ? `; last check said: ${c.lastHealthOutput.slice(-300)}` : '';
  return `${c.name}: ${state}, ${health}${output}`;
}

export interface WaitHealthyOptions {
  service: string;
  ids: string[];
  engine: EngineClient;
  timeoutMs: number;
  pollMs: number;
  clock: Clock;
  logger: Logger;
}

/** Podman's healthcheck interval when the container states none (Docker's default, 30s). */
const DEFAULT_HEALTH_INTERVAL_MS = 30_000;

export async function waitHealthy(o: WaitHealthyOptions): Promise<void> {
  if (!o.ids.length) throw new MarqueeError('CONTAINER', `service ${o.service} has no container after it was recreated`);
  const start = o.clock.now();
  const deadline = start + o.timeoutMs;
  // Podman schedules healthchecks with systemd timers; where systemd is not init they never run,
  // so the health would stay "starting" for ever. There we run the check ourselves, at its interval.
  const podman = await o.engine.isPodman();
  const lastRun = new Map<string, number>();
  for (;;) {
    const containers = await Promise.all(o.ids.map((id) => o.engine.inspect(id)));
    const states = containers.map((c) => ({ c, r: readinessOf(c) }));
    const failed = states.find((s) => s.r === 'failed');
    if (failed) throw new MarqueeError('CONTAINER', `service ${o.service} did not become healthy: ${describeContainer(failed.c)}`);
    if (states.every((s) => s.r === 'ready')) {
      o.logger.info('service healthy', { service: o.service, after: formatDuration(o.clock.now() - start) });
      return;
    }
    const now = o.clock.now();
    if (now >= deadline) {
      const last = states.filter((s) => s.r !== 'ready').map((s) => describeContainer(s.c)).join('; ');
      throw new MarqueeError('CONTAINER', `service ${o.service} not healthy within ${formatDuration(o.timeoutMs)} (RELEASE_HEALTH_TIMEOUT): ${last}`);
    }
    if (podman) {
      for (const { c } of states) {
        if (c.status !== 'running' || c.health !== 'starting') continue;
        if (now - (lastRun.get(c.id) ?? -Infinity) < (c.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS)) continue;
        lastRun.set(c.id, now);
        // A failing trigger is not the verdict: the next inspect (or the timeout) is.
        await o.engine.runHealthcheck(c.id).catch((err: unknown) => o.logger.warn('could not run the healthcheck', { service: o.service, error: (err as Error).message }));
      }
    }
    await o.clock.sleep(Math.min(o.pollMs, Math.max(1, deadline - o.clock.now())));
  }
}
