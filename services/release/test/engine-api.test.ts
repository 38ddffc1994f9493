import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { containerInfoOf, createEngineClient, parseDockerHost } from '../engine-api.ts';

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

describe('engine client', () => {
  async function serve(listen: (s: ReturnType<typeof createServer>) => Promise<void>) {
    const server = createServer((req, res) => {
      if (req.url === '/containers/abc/json') {
        res.end(JSON.stringify({ Id: 'abc', State: { Status: 'running' }, Config: { Env: ['MODEL_PATH=/app/models/3'] } }));
      } else if (req.url === '/version') {
        res.end(JSON.stringify({ Components: [{ Name: 'Engine' }] }));
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'No such container: nope' }));
      }
    });
    await listen(server);
    return server;
  }

  it('inspects over a unix socket and names the engine and request in errors', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engine-api-'));
    const socketPath = join(dir, 'e.sock');
    const server = await serve((s) => new Promise((r) => s.listen(socketPath, r)));
    try {
      const engine = createEngineClient({ socketPath });
      expect((await engine.inspect('abc')).env.MODEL_PATH).toBe('/app/models/3');
      expect(await engine.isPodman()).toBe(false);
      await expect(engine.inspect('nope')).rejects.toThrow(`container engine at ${socketPath}: GET /containers/nope/json answered 404: No such container: nope`);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
    await expect(createEngineClient({ socketPath }).inspect('abc')).rejects.toThrow(/\(DOCKER_HOST\): GET \/containers\/abc\/json failed: .*ENOENT/);
  });

  it('inspects over tcp', async () => {
    const server = await serve((s) => new Promise((r) => s.listen(0, '127.0.0.1', r)));
    try {
      const { port } = server.address() as AddressInfo;
      expect((await createEngineClient(parseDockerHost(`tcp://127.0.0.1:${port}`)).inspect('abc')).status).toBe('running');
    } finally {
      server.close();
    }
  });
});
