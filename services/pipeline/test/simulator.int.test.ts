// The simulator against a real HTTP service (port 0) and real Kafka: steady lines, /recommend
// requests with 200s, timeouts and refused connections, and every line it writes parses.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../ingest.ts';
import { parseLine } from '../parse/line.ts';
import { startSimulator } from '../simulator/simulator.ts';
import { createCallbackSink } from '../simulator/sinks.ts';
import { createKafkaSource } from '../sources/kafka.ts';
import { BROKERS, uniqueName } from './helpers/kafka.ts';
import { repoRoot } from './paths.ts';

const ratings = join(repoRoot, 'data', 'sample', 'ratings.csv');
const work = mkdtempSync(join(tmpdir(), 'marquee-sim-it-'));
let server: http.Server;
let url = '';
const served: number[] = [];

beforeAll(async () => {
  // Answers ids as text; users whose id ends in 7 get an answer only after 400 ms (past the limit).
  server = http.createServer((req, res) => {
    const m = /^\/recommend\/(\d+)$/.exec(req.url ?? '');
    if (!m) {
      res.writeHead(404).end('not found');
      return;
    }
    const user = Number(m[1]);
    served.push(user);
    const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end('toy+story+1995,heat+1995,up+2009');
    if (user % 10 === 7) setTimeout(answer, 400);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(work, { recursive: true, force: true });
});

describe('startSimulator', () => {
  it('streams watch/rate lines and logs each /recommend answer, timeouts included', async () => {
    const lines: string[] = [];
    const sim = startSimulator({
      ratings,
      sink: createCallbackSink((l) => void lines.push(...l)),
      rate: 400,
      serviceUrl: url,
      requestRate: 40,
      timeoutMs: 150,
      durationS: 2,
      users: 50,
    });
    const stats = await sim.done;
    expect(stats.lines.total).toBe(lines.length);
    expect(stats.lines.watch + stats.lines.rate).toBeGreaterThan(100);
    expect(stats.requests.sent).toBeGreaterThan(10);
    expect(stats.requests.completed).toBe(stats.requests.sent);
    expect(stats.lines.recommendation).toBe(stats.requests.completed);
    expect(stats.latenciesMs).toHaveLength(stats.requests.completed);

    const parsed = lines.map((l) => parseLine(l));
    expect(parsed.filter((p) => p.kind === 'rejected')).toEqual([]);
    const recs = parsed.filter((p) => p.kind === 'recommendation');
    expect(recs).toHaveLength(stats.lines.recommendation);
    for (const r of recs) {
      if (r.kind !== 'recommendation') continue;
      expect(r.server).toBe(url.replace('http://', ''));
      if (r.user % 10 === 7) {
        expect(r.status).toBe(0);
        expect(r.error).toMatch(/^java\.util\.concurrent\.TimeoutException: Request timeout to 127\.0\.0\.1\/127\.0\.0\.1:\d+ after 150 ms$/);
      } else {
        expect(r.status).toBe(200);
        expect(r.results).toEqual(['toy+story+1995', 'heat+1995', 'up+2009']);
      }
    }
    const timeouts = recs.filter((r) => r.kind === 'recommendation' && r.status === 0).length;
    expect(timeouts).toBeGreaterThan(0);
    expect(timeouts).toBeLessThan(recs.length);
    expect(stats.requests.byStatus).toEqual({ ...(recs.length - timeouts ? { 200: recs.length - timeouts } : {}), ...(timeouts ? { 0: timeouts } : {}) });
    // Only the first 50 users of the data set are simulated.
    const users = new Set(parsed.map((p) => (p.kind === 'rejected' ? 0 : p.user)));
    expect(Math.max(...users)).toBeLessThanOrEqual(50);
  });

  it('logs status 0 with the connection error when the service is down', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const lines: string[] = [];
    const sim = startSimulator({ ratings, sink: createCallbackSink((l) => void lines.push(...l)), rate: 0, serviceUrl: `http://127.0.0.1:${port}`, requestRate: 20 });
    await sleep(800);
    const stats = await sim.stop();
    expect(stats.requests.sent).toBeGreaterThan(0);
    expect(stats.requests.byStatus).toEqual({ 0: stats.requests.sent });
    for (const l of lines) expect(parseLine(l)).toMatchObject({ status: 0, error: `Connection refused: 127.0.0.1/127.0.0.1:${port}` });
  });

  it('writes to Kafka lines that the pipeline ingests without a rejection', async () => {
    const topic = uniqueName('it-sim');
    const sim = startSimulator({ ratings, brokers: BROKERS, topic, rate: 1_000, serviceUrl: url, requestRate: 20, timeoutMs: 150, durationS: 2 });
    const stats = await sim.done;
    expect(stats.sinkErrors).toBe(0);
    const report = await ingest(createKafkaSource({ brokers: BROKERS, topic, groupId: uniqueName('g'), idleMs: 2_000 }), {
      dataDir: join(work, 'data'),
      deadLetterPath: join(work, 'dead.log'),
    });
    expect(report.lines).toBe(stats.lines.total);
    expect(report.rejected).toEqual({});
    expect(report.events).toEqual({ watch: stats.lines.watch, rate: stats.lines.rate, recommendation: stats.lines.recommendation });
    expect(report.ratingsAdded).toBeGreaterThan(0);
  });
});
