// The simulator's HTTP client: a kept-alive connection that the server drops as a request goes out
// (NGINX closing idle connections on a reload) is retried once on a new connection.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { requestRecommendations } from '../simulator/requester.ts';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** Answers 200; the second request on a connection gets that connection reset instead. */
async function resettingServer(): Promise<{ url: URL; connections: () => number }> {
  const seen = new Map<Socket, number>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    if (n === 2) return req.socket.resetAndDestroy();
    res.end('a+1999,b+2000');
  });
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), connections: () => connections };
}

describe('requestRecommendations', () => {
  it('sends a GET again on a new connection when a reused one is reset', async () => {
    const { url, connections } = await resettingServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await requestRecommendations(url, 1, 2000, agent);
    const second = await requestRecommendations(url, 2, 2000, agent);
    agent.destroy();
    expect(first).toMatchObject({ status: 200, result: 'a+1999, b+2000' });
    expect(second).toMatchObject({ status: 200, result: 'a+1999, b+2000', resent: true });
    expect(first.resent).toBeUndefined();
    expect(connections()).toBe(2);
  });

  it('resends on a new connection, not on another pooled one that may be closing too', async () => {
    const { url, connections } = await resettingServer();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 2 });
    // Two pooled connections, each with one answer behind it: the next request on either is reset.
    await Promise.all([requestRecommendations(url, 1, 2000, agent), requestRecommendations(url, 2, 2000, agent)]);
    expect(connections()).toBe(2);
    const out = await requestRecommendations(url, 3, 2000, agent);
    agent.destroy();
    expect(out).toMatchObject({ status: 200 });
    expect(connections()).toBe(3);
  });

  it('reports a reset of a fresh connection as status 0, without retrying', async () => {
    const server = http.createServer((req) => req.socket.resetAndDestroy());
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const agent = new http.Agent({ keepAlive: true });
    const out = await requestRecommendations(url, 1, 2000, agent);
    agent.destroy();
    expect(out.status).toBe(0);
    expect(out.result).toMatch(/ECONNRESET/);
  });
});
