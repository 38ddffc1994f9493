// freePort hands out ports below the kernel's ephemeral range, where no client socket can hold them:
// a server restarted at its fixed port (a recreated slot, a replica after kill -9) must get it back.
import { readFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, listenPortRange } from '../child-process.ts';

const listen = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });

describe('freePort', () => {
  it('reads the ephemeral range of this kernel and stays below it', async () => {
    const { low, high } = listenPortRange();
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    expect(high).toBe(first);
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(low);
      expect(p).toBeLessThan(high);
    }
    expect(new Set(ports).size).toBe(20);
  });

  it('gives a port a server can take, and take again after a client connected to it', async () => {
    const port = await freePort();
    const server = await listen(port);
    server.on('connection', (c) => c.destroy());
    // A client's own local port comes from the ephemeral range, never this one.
    const client = connect(port, '127.0.0.1');
    const localPort = await new Promise<number | undefined>((r) => client.once('connect', () => r(client.localPort)));
    await new Promise((r) => client.once('close', r));
    expect(localPort).toBeGreaterThanOrEqual(listenPortRange().high);
    await new Promise((r) => server.close(r));
    const again = await listen(port);
    await new Promise((r) => again.close(r));
  });
});
