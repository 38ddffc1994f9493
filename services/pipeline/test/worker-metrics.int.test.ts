// The worker's metrics over HTTP, on a port of their own, as Prometheus scrapes them.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createWorkerMetrics, serveMetrics } from '../worker-metrics.ts';

describe('worker metrics', () => {
  it('are served on GET /metrics in the Prometheus text format', async () => {
    const registry = new Registry();
    createWorkerMetrics(registry).runEnded(true, new Date(1_700_000_000_000));
    const served = await serveMetrics(registry, '127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${served.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      expect(text).toMatch(/^marquee_pipeline_last_success_timestamp_seconds 1700000000$/m);
      expect(text).toMatch(/^marquee_pipeline_last_run_success 1$/m);
      expect((await fetch(`http://127.0.0.1:${served.port}/other`)).status).toBe(404);
    } finally {
      await served.close();
    }
  });
});
