import { describe, expect, it } from 'vitest';
import { containerInfoOf, parseDockerHost } from '../engine-api.ts';

describe('DOCKER_HOST', () => {
  it('reads unix sockets and plain tcp, defaulting to the Docker socket', () => {
    expect(parseDockerHost(undefined)).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(parseDockerHost('unix:///srv/marquee/var/containers/podman.sock')).toEqual({ socketPath: '/srv/marquee/var/containers/podman.sock' });
    expect(parseDockerHost('tcp://10.0.0.5:2375')).toEqual({ host: '10.0.0.5', port: 2375 });
    expect(parseDockerHost('tcp://engine')).toEqual({ host: 'engine', port: 2375 });
    expect(parseDockerHost('tcp://[::1]:2376')).toEqual({ host: '::1', port: 2376 });
    expect(() => parseDockerHost('ssh://me@host')).toThrow(/not supported: use unix:\/\/\/path\/to\/socket or tcp:\/\/host:port/);
  });
});

describe('container inspect', () => {
  const base = { Id: 'abc123', Name: '/marquee_inference-canary_1', State: { Status: 'running', ExitCode: 0 }, Config: { Env: ['MODEL_PATH=/app/models/8', 'A=b=c'] } };

  it('takes the state, environment and labels', () => {
    const c = containerInfoOf({ ...base, Config: { ...base.Config, Labels: { 'com.docker.compose.oneoff': 'False' } } });
    expect(c).toMatchObject({ id: 'abc123', name: 'marquee_inference-canary_1', status: 'running', health: null, env: { MODEL_PATH: '/app/models/8', A: 'b=c' } });
    expect(c.labels['com.docker.compose.oneoff']).toBe('False');
  });

  it('a healthcheck without a result yet is "starting" (Podman says ""); NONE means no healthcheck', () => {
    const check = { Test: ['CMD-SHELL', 'true'], Interval: 5e9 };
    const podman = containerInfoOf({ ...base, State: { ...base.State, Health: { Status: '', Log: null } }, Config: { ...base.Config, Healthcheck: check } });
    expect(podman).toMatchObject({ health: 'starting', healthIntervalMs: 5000, lastHealthOutput: null });
    const docker = containerInfoOf({ ...base, Config: { ...base.Config, Healthcheck: check } });
    expect(docker.health).toBe('starting');
    const none = containerInfoOf({ ...base, State: { ...base.State, Health: { Status: 'healthy' } }, Config: { ...base.Config, Healthcheck: { Test: ['NONE'] } } });
    expect(none.health).toBeNull();
    const failed = containerInfoOf({
      ...base,
      State: { ...base.State, Health: { Status: 'unhealthy', Log: [{ Output: 'old' }, { Output: ' refused\n' }] } },
      Config: { ...base.Config, Healthcheck: check },
    });
    expect(failed).toMatchObject({ health: 'unhealthy', lastHealthOutput: 'refused' });
  });

  it('rejects an answer that is not a container', () => {
    expect(() => containerInfoOf({ message: 'x' })).toThrow(/unexpected container inspect answer: Id/);
  });
});
