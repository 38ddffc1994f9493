// Real Prometheus scraping a tiny node:http /metrics target: the series reaches the HTTP API
// with the track label, and reloadTargets swaps the target set.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, type LocalPrometheus } from '../prometheus.ts';

function metricsServer(name: string): Promise<{ server: Server; address: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    hits++;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(`# HELP marquee_test_hits_total Scrapes served.\n# TYPE marquee_test_hits_total counter\nmarquee_test_hits_total{server="${name}"} ${hits}\n`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, address: `127.0.0.1:${(server.address() as AddressInfo).port}`, hits: () => hits }),
    ),
  );
}

interface Vector {
  status: string;
  data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
}

async function query(url: string, promql: string): Promise<Vector['data']['result']> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as Vector;
  expect(body.status).toBe('success');
  return body.data.result;
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('local Prometheus (startPrometheus)', () => {
  let a: Awaited<ReturnType<typeof metricsServer>>;
  let b: Awaited<ReturnType<typeof metricsServer>>;
  let prom: LocalPrometheus;

  beforeAll(async () => {
    a = await metricsServer('a');
    b = await metricsServer('b');
    prom = await startPrometheus({
      port: 0,
      scrapeIntervalMs: 500,
      targets: [{ address: a.address, job: 'inference', track: 'stable' }],
    });
  });
  afterAll(async () => {
    await prom?.stop();
    a.server.close();
    b.server.close();
  });

  it('is ready and serves its API', async () => {
    expect((await fetch(`${prom.url}/-/ready`)).status).toBe(200);
  });

  it('scrapes the target and returns its series with the track and job labels', async () => {
    const result = await eventually(
      () => query(prom.url, 'marquee_test_hits_total'),
      (r) => r.length === 1 && Number(r[0].value[1]) >= 2,
    );
    expect(result).toHaveLength(1);
    expect(result[0].metric).toMatchObject({ job: 'inference', track: 'stable', server: 'a', instance: a.address });
    expect(Number(result[0].value[1])).toBeGreaterThanOrEqual(2);
    expect(a.hits()).toBeGreaterThanOrEqual(2);
  });

  it('reloads new targets: the new one is scraped, with its labels', async () => {
    await prom.reloadTargets([
      { address: a.address, job: 'inference', track: 'stable' },
      { address: b.address, job: 'inference', track: 'canary', replica: 'canary' },
    ]);
    const result = await eventually(
      () => query(prom.url, 'marquee_test_hits_total{track="canary"}'),
      (r) => r.length === 1,
    );
    expect(result).toHaveLength(1);
    expect(result[0].metric).toMatchObject({ server: 'b', track: 'canary', replica: 'canary' });
    const up = await query(prom.url, 'up{job="inference"}');
    expect(up.map((s) => s.metric.instance).sort()).toEqual([a.address, b.address].sort());
  });
});
