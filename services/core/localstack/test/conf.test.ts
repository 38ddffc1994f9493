// The config renderers: exact traffic shares from per-server weights, and prometheus.yml labels.
import fc from 'fast-check';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROXY_TIMEOUTS, renderNginxConf, SAFE_REQUEST_ID, SIMULATOR_BUDGET_MS, weightedServers, worstCaseAnswerMs } from '../nginx-conf.ts';
import { promDurationText, renderPrometheusYml } from '../prometheus-conf.ts';

const hosts = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}:8082`);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('weightedServers', () => {
  it('gives two stables 2 each and the canary 1 for 4:1', () => {
    expect(weightedServers({ stable: hosts('s', 2), canary: hosts('c', 1) }, { stable: 4, canary: 1 })).toEqual([
      { address: 's-1:8082', track: 'stable', weight: 2 },
      { address: 's-2:8082', track: 'stable', weight: 2 },
      { address: 'c-1:8082', track: 'canary', weight: 1 },
    ]);
  });

  it('keeps the track totals exactly in the weights ratio for any server counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), (ns, nc, ws, wc) => {
        const servers = weightedServers({ stable: hosts('s', ns), canary: hosts('c', nc) }, { stable: ws, canary: wc });
        const s = sum(servers.filter((x) => x.track === 'stable').map((x) => x.weight));
        const c = sum(servers.filter((x) => x.track === 'canary').map((x) => x.weight));
        expect(s * wc).toBe(c * ws);
        expect(servers.every((x) => Number.isInteger(x.weight) && x.weight >= 1)).toBe(true);
        // equal weights within a track
        expect(new Set(servers.filter((x) => x.track === 'stable').map((x) => x.weight)).size).toBe(1);
      }),
    );
  });

  it('drops a track with weight 0 or no servers, and refuses when nobody would serve', () => {
    expect(weightedServers({ stable: hosts('s', 2), canary: hosts('c', 1) }, { stable: 1, canary: 0 }).map((s) => s.track)).toEqual(['stable', 'stable']);
    expect(weightedServers({ stable: [], canary: hosts('c', 1) }, { stable: 4, canary: 1 })).toEqual([{ address: 'c-1:8082', track: 'canary', weight: 1 }]);
    expect(() => weightedServers({ stable: [], canary: [] })).toThrow(/no upstream server/);
    expect(() => weightedServers({ stable: hosts('s', 1), canary: [] }, { stable: 0, canary: 1 })).toThrow(/no upstream server/);
  });

  it('refuses bad weights and addresses', () => {
    expect(() => weightedServers({ stable: hosts('s', 1), canary: [] }, { stable: 1.5, canary: 1 })).toThrow(/non-negative integer/);
    expect(() => weightedServers({ stable: hosts('s', 1), canary: [] }, { stable: -1, canary: 1 })).toThrow(/non-negative integer/);
    expect(() => weightedServers({ stable: ['no-port'], canary: [] })).toThrow(/not host:port/);
    expect(() => weightedServers({ stable: ['a:1; evil'], canary: [] })).toThrow(/not host:port/);
  });
});

describe('renderNginxConf', () => {
  const base = {
    listen: '127.0.0.1:9000',
    upstreams: { stable: ['127.0.0.1:1'], canary: ['127.0.0.1:2'] },
    pidFile: '/t/nginx.pid',
    errorLog: '/t/error.log',
    accessLog: '/t/access.log',
  };

  it('puts weighted servers with passive-failover limits in the upstream', () => {
    const conf = renderNginxConf(base);
    expect(conf).toContain('server 127.0.0.1:1 weight=4 max_fails=3 fail_timeout=10s; # stable');
    expect(conf).toContain('server 127.0.0.1:2 weight=1 max_fails=3 fail_timeout=10s; # canary');
    expect(conf).toContain('listen 127.0.0.1:9000;');
    expect(conf).toContain('stable 80.0 %, canary 20.0 %');
    expect(conf).not.toMatch(/^user /m);
    expect(conf).toContain('return 200 "ok\\n";');
  });

  it('adds user, temp paths, server names and the health generation when asked', () => {
    const conf = renderNginxConf({ ...base, user: 'root', tempDir: '/t/temp', serverNames: { '127.0.0.1:2': 'inference-canary' }, generation: 7 });
    expect(conf).toMatch(/^user root;$/m);
    expect(conf).toContain('proxy_temp_path /t/temp/proxy;');
    expect(conf).toContain('client_body_temp_path /t/temp/client_body;');
    expect(conf).toContain('fail_timeout=10s; # canary inference-canary');
    expect(conf).toContain('return 200 "ok generation=7\\n";');
  });

  it('needs no run-time DNS: no resolver, no resolve parameter', () => {
    const conf = renderNginxConf(base);
    expect(conf).not.toMatch(/\bresolver?\b/);
  });

  it('writes the retry timeouts it reasons about', () => {
    const conf = renderNginxConf(base);
    expect(conf).toContain(`proxy_connect_timeout ${PROXY_TIMEOUTS.connectMs}ms;`);
    expect(conf).toContain(`proxy_read_timeout ${PROXY_TIMEOUTS.readMs}ms;`);
    expect(conf).toContain(`proxy_next_upstream_timeout ${PROXY_TIMEOUTS.retryWindowMs}ms;`);
    expect(conf).toContain(`proxy_next_upstream_tries ${PROXY_TIMEOUTS.tries};`);
  });
});

describe('worstCaseAnswerMs', () => {
  it('is the retry window plus one whole try, or all tries when they end sooner', () => {
    expect(worstCaseAnswerMs({ connectMs: 100, readMs: 500, retryWindowMs: 1000, tries: 3 })).toBe(1600);
    expect(worstCaseAnswerMs({ connectMs: 10, readMs: 90, retryWindowMs: 1000, tries: 2 })).toBe(200);
  });

  it('leaves at least 80 ms of the simulator budget for the network, and room to retry after a read timeout', () => {
    expect(worstCaseAnswerMs()).toBeLessThanOrEqual(SIMULATOR_BUDGET_MS - 80);
    expect(PROXY_TIMEOUTS.retryWindowMs - PROXY_TIMEOUTS.readMs).toBeGreaterThanOrEqual(100);
    expect(PROXY_TIMEOUTS.tries).toBeGreaterThanOrEqual(2);
  });
});

describe('SAFE_REQUEST_ID', () => {
  it('is the replica\'s own rule (services/inference/app.ts), so both keep the same ids', () => {
    const app = readFileSync(resolve(import.meta.dirname, '../../../inference/app.ts'), 'utf8');
    expect(app).toContain(`const SANE_REQUEST_ID = /${SAFE_REQUEST_ID}/;`);
  });
});

describe('renderPrometheusYml', () => {
  it('labels each target with its replica (never track: the replicas label their own) and scrapes itself', () => {
    const doc = parse(
      renderPrometheusYml({
        scrapeIntervalMs: 5000,
        self: 'localhost:9090',
        ruleFiles: ['/etc/prometheus/alerts.yml'],
        targets: [
          { address: 'a:1', job: 'inference', replica: 'stable-1' },
          { address: 'b:2', job: 'inference' },
          { address: 'c:3', job: 'cadvisor' },
        ],
      }),
    ) as { global: Record<string, string>; rule_files: string[]; scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[]; labels?: Record<string, string> }> }> };
    expect(doc.global).toEqual({ scrape_interval: '5s', scrape_timeout: '4s', evaluation_interval: '5s' });
    expect(doc.rule_files).toEqual(['/etc/prometheus/alerts.yml']);
    expect(doc.scrape_configs.map((j) => j.job_name)).toEqual(['inference', 'cadvisor', 'prometheus']);
    expect(doc.scrape_configs[0].static_configs).toEqual([{ targets: ['a:1'], labels: { replica: 'stable-1' } }, { targets: ['b:2'] }]);
    expect(doc.scrape_configs[1].static_configs).toEqual([{ targets: ['c:3'] }]);
    expect(doc.scrape_configs[2].static_configs).toEqual([{ targets: ['localhost:9090'] }]);
  });

  it('drops a track passed with a target (the local orchestrator\'s endpoints carry one)', () => {
    const targets = [{ address: 'a:1', job: 'inference', track: 'canary', replica: 'canary' }];
    const text = renderPrometheusYml({ scrapeIntervalMs: 1000, targets });
    expect(text).not.toContain('track');
    expect(text).not.toContain('rule_files');
  });

  it('refuses malformed targets and job names', () => {
    expect(() => renderPrometheusYml({ scrapeIntervalMs: 1000, targets: [{ address: 'nope', job: 'x' }] })).toThrow(/host:port/);
    expect(() => renderPrometheusYml({ scrapeIntervalMs: 1000, targets: [{ address: 'a:1', job: 'bad job' }] })).toThrow(/job name/);
  });

  it('writes durations Prometheus accepts', () => {
    expect(promDurationText(5000)).toBe('5s');
    expect(promDurationText(500)).toBe('500ms');
    expect(promDurationText(1500)).toBe('1500ms');
    expect(() => promDurationText(0)).toThrow();
    expect(() => promDurationText(1.5)).toThrow();
  });
});
