// monitoring/alerts.yml with the real promtool: the generated prometheus.yml loads it (checked on a
// copy whose rule path, the container's /etc/prometheus/alerts.yml, points at the repo file), the
// rules are valid, and monitoring/alerts.test.yml shows every alert firing and not firing. The
// metrics the rules read are the ones the inference service really exports.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBinary } from '../../services/core/child-process.ts';
import { PRODUCTION_RULE_FILES } from '../../deploy/config/topology.ts';
import { createMetrics, createProvenanceMetrics } from '../../services/inference/metrics.ts';
import { RECOMMEND_ROUTE } from '../../services/release/promql.ts';
import { readRepo, REPO } from './repo.ts';
import { registerShipperMetrics } from '../../services/provenance/shipper/metrics.ts';
import { ProvenanceShipper } from '../../services/provenance/shipper/shipper.ts';

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    execFile(cmd, args, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 99) : 0;
      done({ code, out: `${String(stdout)}${String(stderr)}` });
    });
  });
}

interface Rule {
  alert: string;
  expr: string;
}
interface AlertTest {
  alertname: string;
  exp_alerts: unknown[];
}
const rules = (parse(readRepo('monitoring/alerts.yml')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const tests = (parse(readRepo('monitoring/alerts.test.yml')) as { tests: Array<{ alert_rule_test: AlertTest[] }> }).tests.flatMap((t) => t.alert_rule_test);

let tmp: string;
let promtool: string;
beforeAll(async () => {
  const install = await run('bash', [resolve(REPO, 'scripts/services/install-tools.sh')]);
  expect(install.out).toBe('');
  expect(install.code).toBe(0);
  promtool = findBinary('promtool');
  tmp = mkdtempSync(join(tmpdir(), 'marquee-alerts-'));
}, 600_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('monitoring/alerts.yml', () => {
  it('is loaded by the generated prometheus.yml, and promtool check config accepts both', async () => {
    const [mounted] = PRODUCTION_RULE_FILES;
    const conf = readRepo('monitoring/prometheus.yml');
    expect(conf).toContain(`rule_files:\n  - ${mounted}\n`);
    const copy = join(tmp, 'prometheus.yml');
    writeFileSync(copy, conf.replace(`  - ${mounted}\n`, `  - ${resolve(REPO, 'monitoring/alerts.yml')}\n`));
    const { code, out } = await run(promtool, ['check', 'config', copy]);
    expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(code).toBe(0);
  });

  it('passes promtool check rules', async () => {
    const { code, out } = await run(promtool, ['check', 'rules', resolve(REPO, 'monitoring/alerts.yml')]);
    expect(out).toContain(`SUCCESS: ${rules.length} rules found`);
    expect(code).toBe(0);
  });

  it('passes its unit tests (promtool test rules monitoring/alerts.test.yml)', async () => {
    const { code, out } = await run(promtool, ['test', 'rules', resolve(REPO, 'monitoring/alerts.test.yml')]);
    expect(out).toContain('SUCCESS');
    expect(code, out).toBe(0);
  });

  it('has unit tests that fail when a threshold moves', async () => {
    copyFileSync(resolve(REPO, 'monitoring/alerts.test.yml'), join(tmp, 'alerts.test.yml'));
    writeFileSync(join(tmp, 'alerts.yml'), readRepo('monitoring/alerts.yml').replace('> 0.05', '> 0.5'));
    const { code, out } = await run(promtool, ['test', 'rules', join(tmp, 'alerts.test.yml')]);
    expect(out).toMatch(/alertname: InferenceHighErrorRate/);
    expect(code).not.toBe(0);
  });

  it('covers every alert with a test where it fires and one where it does not', () => {
    const names = [...new Set(rules.map((r) => r.alert))];
    expect(names.sort()).toEqual(
      ['InferenceHighErrorRate', 'InferenceHighLatency', 'InferenceModelNotLoaded', 'InferenceReplicaDown', 'PipelineNeverSucceeded', 'PipelineNoRecentSuccess', 'PipelineRunFailed', 'PipelineWorkerDown', 'ProvenanceLagHigh', 'ProvenanceShipperDown', 'ProvenanceShipperLagging'].sort(),
    );
    for (const name of names) {
      const mine = tests.filter((t) => t.alertname === name);
      expect(mine.some((t) => t.exp_alerts.length > 0), `${name} fires somewhere`).toBe(true);
      expect(mine.some((t) => t.exp_alerts.length === 0), `${name} stays quiet somewhere`).toBe(true);
    }
  });

  it('reads the inference metrics by the names and labels the service exports', async () => {
    const registry = new Registry();
    createMetrics(registry, 'canary').series('GET', RECOMMEND_ROUTE, 500).observe(0.01);
    createProvenanceMetrics(registry);
    const exposition = await registry.metrics();
    const inference = rules.filter((r) => r.expr.includes('job="inference"')).map((r) => r.expr).join('\n');
    const used = new Set([...inference.matchAll(/\b([a-z_]+)\{job="inference"/g)].map((m) => m[1]).filter((n) => n !== 'up'));
    expect([...used].sort()).toEqual(['http_request_duration_seconds_bucket', 'http_requests_total', 'provenance_lag_seconds']);
    for (const name of used) expect(exposition, name).toMatch(new RegExp(`^${name}[{ ]`, 'm'));
    // the labels the rules select and group by
    expect(exposition).toContain(`http_requests_total{method="GET",route="${RECOMMEND_ROUTE}",status_code="500",track="canary"} 1`);
    expect(exposition).toMatch(/^http_request_duration_seconds_bucket\{[^}]*route="\/recommend\/:userId"[^}]*track="canary",le="0\.1"\} 1$/m);
    expect(inference).toContain(`route="${RECOMMEND_ROUTE}"`);
  });
});

// The pipeline worker exports these (port 9464); the rules and the scrape job must agree on them.
describe('pipeline alerts', () => {
  it('read the worker\'s gauges from the pipeline job', () => {
    const pipeline = rules.filter((r) => r.alert.startsWith('Pipeline')).map((r) => r.expr).join('\n');
    for (const gauge of ['marquee_pipeline_last_run_success', 'marquee_pipeline_last_run_timestamp_seconds', 'marquee_pipeline_last_success_timestamp_seconds']) {
      expect(pipeline).toContain(`${gauge}{job="pipeline"}`);
    }
    expect(readFileSync(resolve(REPO, 'monitoring/prometheus.yml'), 'utf8')).toMatch(/job_name: pipeline\n[\s\S]*?- worker:9464/);
  });
});

// The provenance shipper exports these (port 9465); the rules and the scrape job must agree on them.
describe('provenance shipper alerts', () => {
  it('read the metric the shipper exports, from the job Prometheus scrapes it as', async () => {
    const registry = new Registry();
    registerShipperMetrics(registry, new ProvenanceShipper({ log: '/nonexistent/provenance.log', checkpoint: '/nonexistent/position', sink: { write: async () => undefined, close: async () => undefined }, batchSize: 1, rotateBytes: 1024 }));
    const exposition = await registry.metrics();
    const shipper = rules.filter((r) => r.alert.startsWith('ProvenanceShipper')).map((r) => r.expr).join('\n');
    expect(shipper).toContain('provenance_shipper_lag_seconds{job="provenance-shipper"}');
    expect(exposition).toMatch(/^provenance_shipper_lag_seconds 0$/m);
    expect(readFileSync(resolve(REPO, 'monitoring/prometheus.yml'), 'utf8')).toMatch(/job_name: provenance-shipper\n[\s\S]*?- provenance-shipper:9465/);
  });
});
