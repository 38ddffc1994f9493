// A spell of slow answers on every replica (a busy host, a GC pause) must not leave NGINX
// answering 502 once the replicas are fast again. With passive marking (max_fails >= 1), each
// server that missed the read timeout is taken out for fail_timeout, every server at once, and
// NGINX answers "no live upstreams" until they come back: the config renders max_fails=0.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_TIMEOUTS } from '../../services/core/nginx-contract.ts';
import { startNginx, type LocalNginx } from '../localstack/nginx.ts';
import { stopChild } from '../../services/core/child-process.ts';

// Two replicas in a child process (so the test's own event loop cannot delay them); each answers
// after the delay set through /control/<ms>.
const REPLICAS = `
const http = require('node:http');
let delay = 0;
const start = () => new Promise((resolve) => {
  const server = http.createServer((req, res) => {
    const control = /^\\/control\\/(\\d+)$/.exec(req.url);
    if (control) { delay = Number(control[1]); return res.end('ok'); }
    setTimeout(() => res.end('1,2,3'), delay);
  });
  server.listen(0, '127.0.0.1', () => resolve('127.0.0.1:' + server.address().port));
});
Promise.all([start(), start()]).then((a) => process.stdout.write(JSON.stringify(a) + '\\n'));
`;

let child: ChildProcess;
let replicas: string[];
let nginx: LocalNginx;

async function setDelay(ms: number): Promise<void> {
  for (const r of replicas) await (await fetch(`http://${r}/control/${ms}`)).text();
}

async function statuses(n: number): Promise<Record<number, number>> {
  const out: Record<number, number> = {};
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${nginx.url}/recommend/${i}`);
    await res.arrayBuffer();
    out[res.status] = (out[res.status] ?? 0) + 1;
  }
  return out;
}

beforeAll(async () => {
  child = spawn(process.execPath, ['-e', REPLICAS], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  replicas = JSON.parse(line.toString()) as string[];
  nginx = await startNginx({ port: 0, upstreams: { stable: replicas, canary: [] } });
});

afterAll(async () => {
  await nginx?.stop();
  if (child) await stopChild(child, 'SIGTERM', 2000);
});

describe('NGINX after a slow spell on every replica', () => {
  it('answers 200 again as soon as the replicas are fast (no server left marked down)', async () => {
    expect(await statuses(5)).toEqual({ 200: 5 });
    // Slower than NGINX's read timeout: each request times out on both replicas.
    await setDelay(PROXY_TIMEOUTS.readMs + 120);
    const spell = await statuses(4);
    expect(spell[200] ?? 0, JSON.stringify(spell)).toBe(0);
    await setDelay(0);
    expect(await statuses(50)).toEqual({ 200: 50 });
  });
});
