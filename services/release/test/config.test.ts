import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.ts';
import { canaryShare } from '../../core/tracks.ts';
import { judgeOf, releaseConfigFromEnv } from '../config.ts';

function issuesOf(env: Record<string, string>): string[] {
  try {
    releaseConfigFromEnv(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  return [];
}

describe('release config: the compose settings', () => {
  it('defaults: docker compose v2, build on, 180s health timeout, the Docker socket', () => {
    const c = releaseConfigFromEnv({});
    expect(c.RELEASE_COMPOSE_COMMAND).toEqual(['docker', 'compose']);
    expect(c.RELEASE_COMPOSE_BUILD).toBe(true);
    expect(c.RELEASE_HEALTH_TIMEOUT).toBe(180_000);
    expect(c.DOCKER_HOST).toEqual({ socketPath: '/var/run/docker.sock' });
  });

  it('reads Compose v1 on Podman as the container test sets it', () => {
    const c = releaseConfigFromEnv({
      RELEASE_COMPOSE_COMMAND: 'docker-compose',
      RELEASE_COMPOSE_BUILD: 'false',
      RELEASE_HEALTH_TIMEOUT: '5m',
      DOCKER_HOST: 'unix:///srv/marquee/var/containers/podman.sock',
    });
    expect(c.RELEASE_COMPOSE_COMMAND).toEqual(['docker-compose']);
    expect(c.RELEASE_COMPOSE_BUILD).toBe(false);
    expect(c.RELEASE_HEALTH_TIMEOUT).toBe(300_000);
    expect(c.DOCKER_HOST).toEqual({ socketPath: '/srv/marquee/var/containers/podman.sock' });
  });

  it('names the variable of a bad value', () => {
    const issues = issuesOf({ RELEASE_COMPOSE_COMMAND: '   ', RELEASE_COMPOSE_BUILD: 'maybe', RELEASE_HEALTH_TIMEOUT: 'soon', DOCKER_HOST: 'ssh://me@host' });
    expect(issues.map((i) => i.split(':')[0]).sort()).toEqual(['DOCKER_HOST', 'RELEASE_COMPOSE_BUILD', 'RELEASE_COMPOSE_COMMAND', 'RELEASE_HEALTH_TIMEOUT']);
    expect(issues.find((i) => i.startsWith('DOCKER_HOST'))).toMatch(/unix:\/\/\/path\/to\/socket or tcp:\/\/host:port/);
    expect(issues.find((i) => i.startsWith('RELEASE_COMPOSE_COMMAND'))).toMatch(/empty/);
  });
});

describe('release config: the judge', () => {
  it("expects the canary's share that the NGINX weights give it (core/tracks.ts), with no setting of its own", () => {
    const judge = judgeOf(releaseConfigFromEnv({}));
    const track = (requests: number) => ({ requests, avgLatencyMs: 5, errorRate: 0 });
    const total = 1000;
    const healthy = judge({ canary: track(total * canaryShare()), stable: track(total * (1 - canaryShare())) });
    expect(healthy.verdict).toBe('pass');
    expect(healthy.reasons.join(' ')).toContain(`weight share ${100 * canaryShare()}%`);
    // Under a quarter (RELEASE_MIN_SHARE_RATIO) of that share: NGINX has been failing it over.
    expect(judge({ canary: track(total * canaryShare() * 0.2), stable: track(total) }).verdict).toBe('fail');
  });
});
