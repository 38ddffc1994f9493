// A provenance row with status 200 means the caller received that answer (issue 8, #1 and #4):
// answers whose caller had hung up are recorded as abandoned (499), HEAD answers not at all. The
// callers here are separate processes, so that they can hang up while this process is busy.
import { spawn } from 'node:child_process';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { delivered, parseRequestStart, peerHungUp, startOf } from '../provenance/delivery.ts';
import type { ProvenanceRow } from '../../core/provenance/row.ts';
import type { Recommender } from '../recommender.ts';
import { listen } from './fixtures.ts';

describe('the delivery verdict', () => {
  it('reads NGINX $msec and ignores anything else', () => {
    expect(parseRequestStart('1764633000.123')).toBe(1764633000123);
    expect(parseRequestStart('1764633000')).toBe(1764633000000);
    for (const bad of [undefined, '', 'now', '1764633000.1234', '-1', ['1764633000.123']]) expect(parseRequestStart(bad)).toBeNaN();
  });

  it("starts the clock at NGINX's time when plausible, else at arrival", () => {
    expect(startOf(1_000_000, 1_000_050)).toBe(1_000_000);
    expect(startOf(Number.NaN, 1_000_050)).toBe(1_000_050);
    expect(startOf(1_000_000 - 120_000, 1_000_000)).toBe(1_000_000); // a clock a minute off
    expect(startOf(1_000_100, 1_000_000)).toBe(1_000_000); // never later than arrival
  });

  it('counts an answer as abandoned only when the peer closed and the answer came too late', () => {
    const base = { startMs: 0, acceptWithinMs: 180 };
    expect(delivered({ ...base, peerClosed: false, writtenAtMs: 5000 })).toBe(true);
    expect(delivered({ ...base, peerClosed: true, writtenAtMs: 50 })).toBe(true); // read it, then closed
    expect(delivered({ ...base, peerClosed: true, writtenAtMs: 180 })).toBe(false);
  });

  it('takes a socket this side destroyed after a Connection: close answer for hung up only if the FIN came first', () => {
    expect(peerHungUp({ destroyed: true, readableEnded: false }, true)).toBe(false);
    expect(peerHungUp({ destroyed: true, readableEnded: true }, true)).toBe(true);
    expect(peerHungUp({ destroyed: true, readableEnded: false }, false)).toBe(true); // a reset while kept alive
    expect(peerHungUp({ destroyed: false, readableEnded: false }, false)).toBe(false);
  });
});

/**
 * A raw HTTP/1.1 client in its own process: sends `request`, prints what it receives, and hangs up
 * after `closeAfterMs` (or once the answer is complete when closeAfterMs is 0).
 */
function rawClient(port: number, request: string, closeAfterMs: number): Promise<string> {
  const script = `
    const s = require('node:net').connect(${port}, '127.0.0.1', () => s.write(${JSON.stringify(request)}));
    let got = '';
    s.on('data', (d) => { got += d; if (${closeAfterMs} === 0 && /\\r\\n\\r\\n/.test(got)) s.destroy(); });
    s.on('error', () => {});
    s.on('close', () => { process.stdout.write(got); process.exit(0); });
    if (${closeAfterMs} > 0) setTimeout(() => s.destroy(), ${closeAfterMs});`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', fail);
    child.on('exit', () => done(out));
  });
}

describe('provenance rows and delivery', () => {
  const rows: ProvenanceRow[] = [];
  let abandoned = 0;
  /** How /recommend behaves: 'fast', 'block' (holds the event loop 400 ms) or 'slow' (answers after 400 ms). */
  let mode: 'fast' | 'block' | 'slow' = 'fast';
  const recommender: Recommender = {
    recommend(userId: number) {
      const body = `m${userId},m2`;
      if (mode === 'block') {
        const until = Date.now() + 400;
        while (Date.now() < until); // a GC pause or a saturated CPU, as far as the socket can tell
      }
      return mode === 'slow' ? new Promise((r) => setTimeout(() => r(body), 400)) : body;
    },
    userIndex: () => 0,
    coldStart: 'm1,m2',
  } as unknown as Recommender;
  let server: Awaited<ReturnType<typeof listen>>;
  let port = 0;

  beforeAll(async () => {
    const app = createApp({
      recommender,
      version: '3',
      track: 'stable',
      replica: 'stable-9',
      registry: new Registry(),
      recorder: { record: (row) => rows.push(row) },
      acceptWithinMs: 180,
      onAbandoned: () => abandoned++,
    });
    server = await listen(app);
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.close());

  const settle = () => new Promise((r) => setTimeout(r, 50));
  const get = (id: string, extra = '') => `GET /recommend/7 HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${id}\r\n${extra}\r\n`;

  it('records an answer the caller read as 200, with the replica that gave it', async () => {
    rows.length = 0;
    mode = 'fast';
    const out = await rawClient(port, get('d-fast'), 0);
    expect(out).toMatch(/^HTTP\/1.1 200/);
    expect(out).toMatch(/\r\nX-Replica: stable-9\r\n/i);
    await settle();
    expect(rows.map((r) => [r.requestId, r.replica, r.version, r.status])).toEqual([['d-fast', 'stable-9', '3', 200]]);
  });

  it('records an answer written after the caller hung up (event loop held meanwhile) as abandoned, not 200', async () => {
    rows.length = 0;
    abandoned = 0;
    mode = 'block';
    // NGINX's own clock started now; it gives up after 50 ms here (its read timeout in production).
    const client = rawClient(port, get('d-block', `X-Request-Start: ${(Date.now() / 1000).toFixed(3)}\r\n`), 50);
    await new Promise((r) => setTimeout(r, 0));
    const out = await client;
    await settle();
    expect(out).toBe(''); // the caller got nothing
    expect(rows.map((r) => [r.requestId, r.status])).toEqual([['d-block', 499]]);
    expect(abandoned).toBe(1);
  });

  it('records an answer whose caller left while it was being made as abandoned', async () => {
    rows.length = 0;
    mode = 'slow';
    expect(await rawClient(port, get('d-slow'), 100)).toBe('');
    await new Promise((r) => setTimeout(r, 450));
    expect(rows.map((r) => [r.requestId, r.status])).toEqual([['d-slow', 499]]);
  });

  it('keeps 200 for a caller that reads the answer and then closes (Connection: close)', async () => {
    rows.length = 0;
    mode = 'fast';
    const out = await rawClient(port, get('d-close', 'Connection: close\r\n'), 0);
    expect(out).toMatch(/^HTTP\/1.1 200/);
    await settle();
    expect(rows.map((r) => [r.requestId, r.status])).toEqual([['d-close', 200]]);
  });

  it('keeps 200 for a late answer to a Connection: close caller that waited for it (this side closes, not the peer)', async () => {
    rows.length = 0;
    mode = 'slow'; // 400 ms: past the accept window, so the verdict waits two turns after the write
    const out = await rawClient(port, get('d-late-close', 'Connection: close\r\n'), 0);
    expect(out).toMatch(/^HTTP\/1.1 200/);
    await settle();
    expect(rows.map((r) => [r.requestId, r.status])).toEqual([['d-late-close', 200]]);
  });

  it('records nothing for HEAD: no list reached anyone', async () => {
    rows.length = 0;
    mode = 'fast';
    const res = await fetch(`${server.url}/recommend/7`, { method: 'HEAD', headers: { 'X-Request-Id': 'd-head' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-model-version')).toBe('3');
    await settle();
    expect(rows).toEqual([]);
  });
});
