import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetrics, DURATION_BUCKETS } from '../metrics.ts';

const line = (text: string, prefix: string) => text.split('\n').find((l) => l.startsWith(prefix));

describe('createMetrics', () => {
  it('puts each observation in the first bucket whose bound it does not exceed, cumulatively', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, 'stable');
    const s = m.series('GET', '/recommend/:userId', 200);
    for (const v of [0.0001, 0.0005, 0.0007, 0.004, 5]) s.observe(v);
    const text = await registry.metrics();
    const l = 'http_request_duration_seconds_bucket{method="GET",route="/recommend/:userId",status_code="200",track="stable"';
    expect(line(text, `${l},le="0.0005"}`)).toMatch(/ 2$/);
    expect(line(text, `${l},le="0.001"}`)).toMatch(/ 3$/);
    expect(line(text, `${l},le="0.005"}`)).toMatch(/ 4$/);
    expect(line(text, `${l},le="2"}`)).toMatch(/ 4$/);
    expect(line(text, `${l},le="+Inf"}`)).toMatch(/ 5$/);
    expect(line(text, 'http_request_duration_seconds_sum{')).toMatch(/ 5\.0053/);
    expect(line(text, 'http_requests_total{method="GET",route="/recommend/:userId",status_code="200",track="stable"}')).toMatch(/ 5$/);
    expect(DURATION_BUCKETS).toContain(0.001);
    expect(DURATION_BUCKETS).toContain(1);
  });

  it('returns the same series for the same labels and a new one for others', () => {
    const m = createMetrics(new Registry(), 'canary');
    expect(m.series('GET', '/x', 200)).toBe(m.series('GET', '/x', 200));
    expect(m.series('GET', '/x', 404)).not.toBe(m.series('GET', '/x', 200));
  });

  it('sets model_info for the current version only', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, 'canary');
    m.setModel('1');
    m.setModel('2');
    const text = await registry.metrics();
    expect(text).toContain('model_info{version="2",track="canary"} 1');
    expect(text).not.toContain('version="1"');
  });

  it('resetMetrics zeroes the series but keeps counting into held ones', async () => {
    const registry = new Registry();
    const m = createMetrics(registry, 'stable');
    const s = m.series('GET', '/r', 200);
    s.observe(0.001);
    registry.resetMetrics();
    s.observe(0.002);
    const text = await registry.metrics();
    expect(line(text, 'http_requests_total{method="GET",route="/r"')).toMatch(/ 1$/);
  });
});
