// The config renderers: track weights as 1 % slots and their steps on disk, nginx.conf, and prometheus.yml labels.
import fc from 'fast-check';
import { parse } from 'yaml';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderNginxConf } from '../config/nginx-conf.ts';
import { PROXY_TIMEOUTS, REQUEST_ID, REQUEST_ID_SOURCE, SIMULATOR_BUDGET_MS, worstCaseAnswerMs } from '../../services/core/nginx-contract.ts';
import { SLOTS, slotCounts, slotTracks } from '../config/track-split.ts';
import { readStep, writeStep } from '../config/weights-dir.ts';
import { PRODUCTION_WEIGHTS, setProductionWeights } from '../config/topology.ts';
import { promDurationText, renderPrometheusYml } from '../config/prometheus-conf.ts';

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('slotCounts (track weights as 1 % slots)', () => {
  it('gives exact whole percents, stable 4 : canary 1 as 80/20, 1:1:1 as 34/33/33', () => {
    expect(slotCounts({ stable: 4, canary: 1 })).toEqual({ stable: 80, baseline: 0, canary: 20 });
    expect(slotCounts({ stable: 90, baseline: 5, canary: 5 })).toEqual({ stable: 90, baseline: 5, canary: 5 });
    expect(slotCounts({ stable: 1, baseline: 1, canary: 1 })).toEqual({ stable: 33, baseline: 33, canary: 34 });
  });

  it('always sums to 100 and stays within one percent of the exact share', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.integer({ min: 1, max: 1000 }), (s, b, c) => {
        const counts = slotCounts({ stable: s, baseline: b, canary: c });
        expect(sum(Object.values(counts))).toBe(SLOTS);
        const total = s + b + c;
        for (const [t, w] of [['stable', s], ['baseline', b], ['canary', c]] as const) expect(Math.abs(counts[t] - (100 * w) / total)).toBeLessThan(1);
      }),
    );
  });

  it('gives a track without servers nothing (the others share its weight), and refuses when nobody would serve', () => {
    expect(slotCounts({ stable: 4, canary: 1 }, ['stable'])).toEqual({ stable: 100, baseline: 0, canary: 0 });
    expect(() => slotCounts({ stable: 0, canary: 1 }, ['stable'])).toThrow(/no track with servers has a weight/);
    expect(() => slotCounts({ stable: -1, canary: 1 })).toThrow(/non-negative/);
  });

  it('assigns canary slots first, then baseline, then stable', () => {
    expect(slotTracks({ stable: 2, baseline: 1, canary: 1 })).toEqual(['canary', 'baseline', 'stable', 'stable']);
  });
});

describe('weight steps (weights-dir.ts)', () => {
  it('writes one file per non-stable slot and swaps `current` to the new step, leaving no old one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-weights-'));
    try {
      writeStep(dir, { stable: 4, canary: 1 });
      const step = writeStep(dir, { stable: 90, baseline: 5, canary: 5 });
      expect(step.percent).toEqual({ stable: 90, baseline: 5, canary: 5 });
      const files = readdirSync(join(dir, 'current'));
      expect(files.filter((f) => f.endsWith('.canary')).sort()).toEqual(['0.canary', '1.canary', '2.canary', '3.canary', '4.canary']);
      expect(files.filter((f) => f.endsWith('.baseline'))).toHaveLength(5);
      expect(readlinkSync(join(dir, 'current'))).toMatch(/^steps\//); // relative: works bind-mounted
      expect(readdirSync(join(dir, 'steps'))).toHaveLength(1);
      expect(readStep(dir)?.percent).toEqual(step.percent);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('setProductionWeights', () => {
  it("writes the step the nginx container reads, the stepped release's baseline share included", () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-compose-'));
    try {
      expect(setProductionWeights(dir, { stable: 90, canary: 10 }).percent).toEqual({ stable: 90, baseline: 0, canary: 10 });
      expect(readdirSync(join(dir, PRODUCTION_WEIGHTS.hostDir, 'current')).filter((f) => f.endsWith('.canary'))).toHaveLength(10);
      // inference-baseline (profile `release`) is an upstream by its fixed address.
      setProductionWeights(dir, { stable: 90, baseline: 5, canary: 5 });
      expect(readdirSync(join(dir, PRODUCTION_WEIGHTS.hostDir, 'current')).filter((f) => f.endsWith('.baseline'))).toHaveLength(5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('renderNginxConf', () => {
  const base = {
    listen: '127.0.0.1:9000',
    upstreams: { stable: ['127.0.0.1:1'], canary: ['127.0.0.1:2'] },
    pidFile: '/t/nginx.pid',
    errorLog: '/t/error.log',
    accessLog: '/t/access.log',
    weightsDir: '/t/weights',
  };

  it('gives each track an upstream with the others as backups, and the 80/20 default split', () => {
    const conf = renderNginxConf(base);
    expect(conf).toMatch(/upstream inference_stable \{[^}]*server 127\.0\.0\.1:1 max_fails=0; # stable\n\s*server 127\.0\.0\.1:2 max_fails=0 backup; # canary/);
    expect(conf).toMatch(/upstream inference_canary \{[^}]*server 127\.0\.0\.1:2 max_fails=0; # canary\n\s*server 127\.0\.0\.1:1 max_fails=0 backup; # stable/);
    expect(conf).not.toContain('inference_baseline');
    expect(conf).toContain('listen 127.0.0.1:9000;');
    expect(conf).toContain('stable 80 %, canary 20 %');
    expect(conf).toMatch(/split_clients "\$\{request_id\}" \$marquee_default_track \{\s*20% canary;\s*\* stable;/);
    // The slot's file in the current step decides, per request: no reload to change weights.
    expect(conf).toContain('if (-f /t/weights/current/$marquee_slot.canary) { set $marquee_track canary; }');
    expect(conf).toContain('proxy_pass http://inference_$marquee_track;');
    expect(conf).not.toMatch(/^user /m);
    expect(conf).toContain('return 200 "ok\\n";');
  });

  it('adds user, temp paths, server names and the health generation when asked', () => {
    const conf = renderNginxConf({ ...base, user: 'root', tempDir: '/t/temp', serverNames: { '127.0.0.1:2': 'inference-canary' }, generation: 7 });
    expect(() => renderNginxConf({ ...base, upstreams: { stable: ['a:1; evil'], canary: [] } })).toThrow(/not host:port/);
    expect(() => renderNginxConf({ ...base, upstreams: { stable: [], canary: [] } })).toThrow(/no upstream server/);
    expect(conf).toMatch(/^user root;$/m);
    expect(conf).toContain('proxy_temp_path /t/temp/proxy;');
    expect(conf).toContain('client_body_temp_path /t/temp/client_body;');
    expect(conf).toContain('max_fails=0; # canary inference-canary');
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

describe('the request-id rule', () => {
  it('is the one the replicas use (services/core/nginx-contract.ts) and keeps only short ASCII ids', () => {
    const conf = renderNginxConf({ listen: '127.0.0.1:9000', upstreams: { stable: ['127.0.0.1:1'], canary: [] }, pidFile: 'p', errorLog: 'e', accessLog: 'a', weightsDir: 'w' });
    expect(conf).toContain(`"~${REQUEST_ID_SOURCE}" $http_x_request_id;`);
    for (const ok of ['abc', '1764633000.123-0123456789abcdef', 'a'.repeat(64)]) expect(REQUEST_ID.test(ok)).toBe(true);
    for (const bad of ['', 'a'.repeat(65), 'a b', 'a"b', 'é']) expect(REQUEST_ID.test(bad)).toBe(false);
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
