// The worker's Prometheus metrics, one registry: when the pipeline last ran, last succeeded, and
// whether the last run succeeded, plus Node's default process metrics. Alerting rules
// (monitoring/) use these names; keep them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import { z } from 'zod';
import { env } from '../core/config.ts';
import type { RunSummary } from './run/summary.ts';

export const workerMetricsEnvShape = {
  /** Port of GET /metrics; 0 turns the endpoint off. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** All interfaces by default: in a container Prometheus scrapes it from another one. */
  WORKER_METRICS_HOST: env.string('0.0.0.0'),
};

export interface WorkerMetrics {
  /** Records the end of a run (a skipped tick is not a run). */
  runEnded(ok: boolean, at?: Date): void;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  collectDefaultMetrics({ register: registry });
  const lastRun = new Gauge({
    name: 'marquee_pipeline_last_run_timestamp_seconds',
    help: 'Unix time at which the last pipeline run ended (0: none since the worker started)',
    registers: [registry],
  });
  const lastSuccess = new Gauge({
    name: 'marquee_pipeline_last_success_timestamp_seconds',
    help: 'Unix time at which the last successful pipeline run ended (0: none since the worker started)',
    registers: [registry],
  });
  const lastOk = new Gauge({
    name: 'marquee_pipeline_last_run_success',
    help: '1 if the last pipeline run succeeded (published, or refused a worse model at the gate), else 0',
    registers: [registry],
  });
  // Present from the first scrape, so "no run yet" is a visible 0 rather than a missing series.
  lastRun.set(0);
  lastSuccess.set(0);
  lastOk.set(0);
  return {
    runEnded(ok, at = new Date()) {
      const t = at.getTime() / 1000;
      lastRun.set(t);
      lastOk.set(ok ? 1 : 0);
      if (ok) lastSuccess.set(t);
    },
  };
}

/**
 * Pure: whether a run succeeded. A gate refusal is the pipeline doing its job (the served model
 * stays), so it counts as a success; a failed step or a crash does not.
 */
export function runSucceeded(result: unknown, error?: unknown): boolean {
  if (error !== undefined) return false;
  return (result as Pick<RunSummary, 'status'> | undefined)?.status !== 'failed';
}

/** GET /metrics on host:port (port 0: any free port, for tests). */
export async function serveMetrics(registry: Registry, host: string, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
