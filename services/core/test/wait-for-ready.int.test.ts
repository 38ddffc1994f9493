import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitForHttp, waitUntilReady } from '../wait-for-ready.ts';

describe('waitUntilReady', () => {
  it('asks again until the probe answers true', async () => {
    let tries = 0;
    await waitUntilReady(async () => (++tries < 3 ? 'starting' : true), { timeoutMs: 5000, intervalMs: 1, what: 'x' });
    expect(tries).toBe(3);
  });

  it('says what the last try saw when the time is up (a thrown error counts as an answer)', async () => {
    await expect(waitUntilReady(async () => 'still starting', { timeoutMs: 20, intervalMs: 5, what: 'x' })).rejects.toThrow(
      'x not ready after 20 ms (still starting)',
    );
    const refused = async (): Promise<true> => {
      throw new Error('connection refused');
    };
    await expect(waitUntilReady(refused, { timeoutMs: 20, intervalMs: 5, what: 'x' })).rejects.toThrow('(connection refused)');
  });

  it('fails at once when the process has died', async () => {
    let tries = 0;
    const probe = async () => (tries++, 'starting');
    await expect(waitUntilReady(probe, { timeoutMs: 60_000, what: 'x', died: () => 'code 1' })).rejects.toThrow(
      'x exited before it was ready: code 1',
    );
    expect(tries).toBe(0);
  });
});

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** Answers 503 to the first `failures` requests, then 200 with header x-ready: yes. */
async function serve(failures: number): Promise<string> {
  let seen = 0;
  server = createServer((_req, res) => {
    seen++;
    if (seen <= failures) res.writeHead(503).end('starting');
    else res.writeHead(200, { 'x-ready': 'yes' }).end('ok');
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('waitForHttp', () => {
  it('resolves once the answer is accepted', async () => {
    const url = await serve(2);
    await waitForHttp(url, { timeoutMs: 5000, intervalMs: 5, what: 'test server', accept: (_s, _b, headers) => headers.get('x-ready') === 'yes' });
  });

  it('names the address and the last answer when the time is up', async () => {
    const url = await serve(1000);
    await expect(waitForHttp(url, { timeoutMs: 50, intervalMs: 5, what: 'test server' })).rejects.toThrow(
      `test server at ${url} not ready after 50 ms (HTTP 503 starting)`,
    );
  });
});
