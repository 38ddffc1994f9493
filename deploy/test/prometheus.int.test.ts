// Real Prometheus scraping tiny node:http /metrics targets: the series reaches the HTTP API with
// the job and replica labels, reloadTargets swaps the target set, and the replicas' own `track`
// label (the app's real metrics) arrives as is, never pushed aside as `exported_track`.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../services/inference/metrics.ts';
import { requestsQuery } from '../../services/release/promql.ts';
import { scrapeTargetsOf } from '../../services/release/local-orchestrator.ts';
import { startPrometheus, type LocalPrometheus } from '../localstack/prometheus.ts';

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

/** /metrics of the inference service's own registry (services/inference/metrics.ts) for `track`. */
function appMetricsServer(track: 'stable' | 'canary', requests: number): Promise<{ server: Server; address: string }> {
  const registry = new Registry();
  const metrics = createMetrics(registry, track);
  metrics.setModel('7');
  const series = metrics.series('GET', '/recommend/:userId', 200);
  for (let i = 0; i < requests; i++) series.observe(0.002);
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.statusCode = 404;
      res.end();
      return;
    }
    void registry.metrics().then((text) => {
      res.setHeader('content-type', registry.contentType);
      res.end(text);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, address: `127.0.0.1:${(server.address() as AddressInfo).port}` })),
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
    await sleep(200);
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
      targets: [{ address: a.address, job: 'inference', replica: 'stable-1' }],
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

  it('scrapes the target and returns its series with the job and replica labels', async () => {
    const result = await eventually(
      () => query(prom.url, 'marquee_test_hits_total'),
      (r) => r.length === 1 && Number(r[0].value[1]) >= 2,
    );
    expect(result).toHaveLength(1);
    expect(result[0].metric).toMatchObject({ job: 'inference', replica: 'stable-1', server: 'a', instance: a.address });
    expect(Number(result[0].value[1])).toBeGreaterThanOrEqual(2);
    expect(a.hits()).toBeGreaterThanOrEqual(2);
  });

  it('reloads new targets: the new one is scraped, with its labels', async () => {
    await prom.reloadTargets([
      { address: a.address, job: 'inference', replica: 'stable-1' },
      { address: b.address, job: 'inference', replica: 'canary' },
    ]);
    const result = await eventually(
      () => query(prom.url, 'marquee_test_hits_total{replica="canary"}'),
      (r) => r.length === 1,
    );
    expect(result).toHaveLength(1);
    expect(result[0].metric).toMatchObject({ server: 'b', replica: 'canary' });
    const up = await query(prom.url, 'up{job="inference"}');
    expect(up.map((s) => s.metric.instance).sort()).toEqual([a.address, b.address].sort());
  });
});

describe('track labels of the replicas\' own metrics', () => {
  let stable: Awaited<ReturnType<typeof appMetricsServer>>;
  let canary: Awaited<ReturnType<typeof appMetricsServer>>;
  let prom: LocalPrometheus;

  beforeAll(async () => {
    stable = await appMetricsServer('stable', 5);
    canary = await appMetricsServer('canary', 3);
    // As the release controller and the e2e stack do: endpoints of the local orchestrator, which
    // carry a track of their own.
    prom = await startPrometheus({
      port: 0,
      scrapeIntervalMs: 500,
      targets: scrapeTargetsOf([
        { slot: 'stable-1', track: 'stable', address: stable.address, version: '7' },
        { slot: 'canary', track: 'canary', address: canary.address, version: '7' },
      ]),
    });
  });
  afterAll(async () => {
    await prom?.stop();
    stable?.server.close();
    canary?.server.close();
  });

  it('keeps the app\'s track on every series, with no exported_track', async () => {
    const all = await eventually(
      () => query(prom.url, '{job="inference",__name__=~"http_request_duration_seconds_count|model_info"}'),
      (r) => r.length === 4,
    );
    expect(all.map((s) => [s.metric.__name__, s.metric.replica, s.metric.track]).sort()).toEqual([
      ['http_request_duration_seconds_count', 'canary', 'canary'],
      ['http_request_duration_seconds_count', 'stable-1', 'stable'],
      ['model_info', 'canary', 'canary'],
      ['model_info', 'stable-1', 'stable'],
    ]);
    expect(await query(prom.url, '{exported_track!=""}')).toEqual([]);
  });

  it('answers the release controller\'s per-track PromQL from the app\'s label', async () => {
    const canaryCount = await query(prom.url, 'sum(http_request_duration_seconds_count{track="canary",route="/recommend/:userId"})');
    expect(canaryCount.map((s) => Number(s.value[1]))).toEqual([3]);
    // requestsQuery takes an increase() over a window (0 for constant counters, and empty until
    // two scrapes): the selector must match the stable track's series, a vector of one.
    const req = await eventually(() => query(prom.url, requestsQuery('stable', 60_000)), (r) => r.length === 1);
    expect(req).toHaveLength(1);
  });
});
