// Real NGINX (the shared renderer) at the edge: every answer fits the simulator's 600 ms even when
// replicas hang, only /recommend/... reaches a replica, and a caller's X-Request-Id is kept only
// when it is a plain token.
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_BUDGET_MS, worstCaseAnswerMs } from '../../services/core/nginx-contract.ts';
import { startNginx, type LocalNginx } from '../localstack/nginx.ts';

interface Backend {
  server: Server;
  address: string;
  /** Paths of the requests this backend received, in order. */
  paths: string[];
  /** X-Request-Id of each request it received. */
  ids: string[];
}

/** A replica stand-in that answers after `delayMs` (a hung replica: longer than any timeout). */
function backend(name: string, delayMs = 0): Promise<Backend> {
  const paths: string[] = [];
  const ids: string[] = [];
  const server = createServer((req, res) => {
    paths.push(req.url ?? '');
    ids.push(String(req.headers['x-request-id'] ?? ''));
    const timer = setTimeout(() => {
      res.setHeader('X-Serving-Track', name);
      res.end(name);
    }, delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  return new Promise((done) =>
    server.listen(0, '127.0.0.1', () => done({ server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, paths, ids })),
  );
}

const close = (b: Backend) => new Promise<void>((r) => { b.server.closeAllConnections(); b.server.close(() => r()); });

/** GET with the path sent exactly as given (fetch would resolve dot segments itself). */
function rawGet(url: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    const req = request(`${url}${path}`, { path, headers: { connection: 'close', ...headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body, ms: performance.now() - t0 }));
    });
    req.on('error', fail);
    req.end();
  });
}

// The latest NGINX may answer by its own timeouts, plus scheduling slack of a busy test machine;
// still well inside the simulator's budget.
const DEADLINE_MS = worstCaseAnswerMs() + 40;
const MINTED = /^\d{10}\.\d{3}-[0-9a-f]{16}$/;

describe('NGINX answers inside the simulator budget when replicas hang', () => {
  const started: Array<LocalNginx | Backend> = [];
  afterEach(async () => {
    for (const x of started.splice(0)) await ('stop' in x ? x.stop() : close(x));
  });

  it('gives up with a 504 well under 600 ms when the two replicas it tries are slow', async () => {
    expect(DEADLINE_MS).toBeLessThan(SIMULATOR_BUDGET_MS);
    const slow1 = await backend('slow-1', 5000);
    const slow2 = await backend('slow-2', 5000);
    const nginx = await startNginx({ port: 0, upstreams: { stable: [slow1.address, slow2.address], canary: [] } });
    started.push(nginx, slow1, slow2);

    const res = await rawGet(nginx.url, '/recommend/1');
    expect(res.status).toBe(504);
    expect(res.ms).toBeLessThan(DEADLINE_MS);
    // It did retry: both replicas got the request (the log shows both tries).
    await expect.poll(() => readFileSync(nginx.accessLog, 'utf8')).toMatch(/ 504 .*upstream=127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+ /);
    expect(slow1.paths.length + slow2.paths.length).toBe(2);
  });

  it('answers each request from the fast replica or with a 504, never late', async () => {
    const slow1 = await backend('slow-1', 5000);
    const slow2 = await backend('slow-2', 5000);
    const fast = await backend('fast');
    const nginx = await startNginx({ port: 0, upstreams: { stable: [slow1.address, slow2.address], canary: [fast.address] }, weights: { stable: 1, canary: 1 } });
    started.push(nginx, slow1, slow2, fast);

    const answers: Array<{ status: number; track: unknown; ms: number }> = [];
    for (let i = 0; i < 8; i++) {
      const res = await rawGet(nginx.url, `/recommend/${i}`);
      answers.push({ status: res.status, track: res.headers['x-serving-track'], ms: res.ms });
    }
    for (const a of answers) {
      expect(a.ms, JSON.stringify(answers)).toBeLessThan(DEADLINE_MS);
      expect([{ status: 200, track: 'fast' }, { status: 504, track: undefined }]).toContainEqual({ status: a.status, track: a.track });
    }
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThan(0);
  });
});

describe('NGINX public surface and request ids', () => {
  let replica: Backend;
  let nginx: LocalNginx;

  beforeAll(async () => {
    replica = await backend('stable');
    nginx = await startNginx({ port: 0, upstreams: { stable: [replica.address], canary: [] } });
  });
  afterAll(async () => {
    await nginx?.stop();
    if (replica) await close(replica);
  });

  it('proxies /recommend/... to a replica', async () => {
    const res = await rawGet(nginx.url, '/recommend/42?x=1');
    expect(res.status).toBe(200);
    expect(res.headers['x-serving-track']).toBe('stable');
    expect(replica.paths.at(-1)).toBe('/recommend/42?x=1');
  });

  it('answers everything else itself with 404, never reaching a replica', async () => {
    const before = replica.paths.length;
    for (const path of ['/metrics', '/readyz', '/healthz', '/', '/recommend', '/recommendations/1', '/recommend/../metrics', '/recommend/%2e%2e/metrics', '//metrics']) {
      const res = await rawGet(nginx.url, path);
      expect(res.status, path).toBe(404);
      expect(res.headers['x-serving-track'], path).toBeUndefined();
    }
    expect(replica.paths.slice(before)).toEqual([]);
    expect((await rawGet(nginx.url, '/nginx-health')).status).toBe(200);
  });

  it('sends a replica only the normalised /recommend/ path', async () => {
    const res = await rawGet(nginx.url, '/metrics/../recommend/7');
    expect(res.status).toBe(200);
    expect(replica.paths.at(-1)).toBe('/recommend/7');
  });

  it('keeps a safe caller X-Request-Id in the answer, at the replica and in the log', async () => {
    for (const id of ['sim-1234:abc.DEF_x', 'a'.repeat(64)]) {
      const res = await rawGet(nginx.url, '/recommend/1', { 'X-Request-Id': id });
      expect(res.headers['x-request-id']).toBe(id);
      expect(replica.ids.at(-1)).toBe(id);
      await expect.poll(() => readFileSync(nginx.accessLog, 'utf8')).toContain(` rid=${id} upstream=${replica.address} `);
    }
  });

  it('replaces a crafted or oversized X-Request-Id with a minted one, everywhere', async () => {
    const forged = 'x upstream=10.6.6.6:80 ustatus=200 track=canary';
    for (const id of [forged, 'a"b', 'a'.repeat(65), 'ä']) {
      const res = await rawGet(nginx.url, '/recommend/1', { 'X-Request-Id': id });
      const got = String(res.headers['x-request-id']);
      expect(got, id).toMatch(MINTED);
      expect(replica.ids.at(-1)).toBe(got);
      await expect.poll(() => readFileSync(nginx.accessLog, 'utf8')).toContain(` rid=${got} upstream=${replica.address} `);
    }
    // Also on NGINX's own 404: no caller text in the log.
    await rawGet(nginx.url, '/nope', { 'X-Request-Id': forged });
    await expect.poll(() => readFileSync(nginx.accessLog, 'utf8')).toMatch(/"GET \/nope HTTP\/1\.1" 404 \d+ rid=\S+ /);
    const log = readFileSync(nginx.accessLog, 'utf8');
    expect(log).not.toContain('10.6.6.6');
    expect(log).not.toContain('a"b');
  });
});
