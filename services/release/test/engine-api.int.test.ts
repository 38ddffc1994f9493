// The engine client against a stand-in engine API served on a unix socket and on a tcp port.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createEngineClient, parseDockerHost } from '../engine-api.ts';

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
