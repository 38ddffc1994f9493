import { describe, expect, it } from 'vitest';
import { allOf, DEFAULT_THRESHOLDS, thresholdJudge, trafficShareJudge, type TrackSummary } from '../judge.ts';

const judge = thresholdJudge(DEFAULT_THRESHOLDS); // < 500 ms, < 1 %, >= 20 requests
const canary = (avgLatencyMs: number | null, errorRate: number | null, requests: number): TrackSummary => ({
  avgLatencyMs,
  errorRate,
  requests,
});

describe('thresholdJudge', () => {
  it.each([
    // [case, avg ms, error rate, requests, verdict]
    ['healthy canary', 120, 0, 600, 'pass'],
    ['just under both limits', 499.9, 0.0099, 20, 'pass'],
    ['exactly the minimum request count', 100, 0, 20, 'pass'],
    ['fractional increase() at the minimum', 100, 0, 20.4, 'pass'],
    ['latency exactly at the limit', 500, 0, 100, 'fail'],
    ['slow canary', 712, 0, 300, 'fail'],
    ['error rate exactly at the limit', 100, 0.01, 100, 'fail'],
    ['erroring canary', 100, 0.2, 100, 'fail'],
    ['slow and erroring', 900, 0.5, 100, 'fail'],
    ['every request failed (no latency to average)', null, 1, 100, 'fail'],
    ['no traffic at all', null, null, 0, 'inconclusive'],
    ['too few requests, even if fast', 50, 0, 19, 'inconclusive'],
    ['too few requests, even if slow', 5000, 0, 19.9, 'inconclusive'],
    ['no successful latency, no errors measured', null, 0, 50, 'inconclusive'],
    ['latency is NaN (0/0 from Prometheus)', Number.NaN, 0, 50, 'inconclusive'],
    ['error rate unknown', 100, null, 50, 'inconclusive'],
    ['request count NaN', 100, 0, Number.NaN, 'inconclusive'],
  ] as const)('%s → %s', (_name, avg, err, n, verdict) => {
    expect(judge({ canary: canary(avg, err, n) }).verdict).toBe(verdict);
  });

  it('gives a reason for every failed check, naming the figures', () => {
    const v = judge({ canary: canary(712.3, 0.05, 300) });
    expect(v.verdict).toBe('fail');
    expect(v.reasons).toEqual(['average latency 712.3 ms >= limit 500 ms', 'error rate 5% >= limit 1%']);
  });

  it('explains an inconclusive verdict with the request count', () => {
    expect(judge({ canary: canary(null, null, 3) }).reasons).toEqual([
      'only 3 canary requests in the window (need at least 20)',
    ]);
  });

  it('lists what passed', () => {
    const v = judge({ canary: canary(42, 0.001, 1234) });
    expect(v.reasons).toEqual(['average latency 42 ms < limit 500 ms', 'error rate 0.1% < limit 1%', '1234 requests >= minimum 20']);
  });

  it('uses the thresholds it is given', () => {
    const strict = thresholdJudge({ maxAvgLatencyMs: 50, maxErrorRate: 0.5, minRequests: 1000 });
    expect(strict({ canary: canary(60, 0, 2000) }).verdict).toBe('fail');
    expect(strict({ canary: canary(40, 0.3, 2000) }).verdict).toBe('pass');
    expect(strict({ canary: canary(40, 0, 999) }).verdict).toBe('inconclusive');
  });

  it('judges the canary only, whatever the stables did', () => {
    const stable = canary(5000, 0.9, 10_000);
    expect(judge({ canary: canary(100, 0, 100), stable }).verdict).toBe('pass');
  });
});

describe('trafficShareJudge', () => {
  const share = trafficShareJudge({ expectedShare: 0.2, minShareRatio: 0.25, minRequests: 20 });

  it('fails a canary the load balancer starved of traffic (passive failover hides its errors)', () => {
    // 7 of 607 requests = 1.2 %, far below a quarter of the weighted 20 %
    const v = share({ canary: canary(700, 0, 7), stable: canary(5, 0, 600) });
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toMatch(/^canary served 1\.153% of 607 requests where its weight gives 20%/);
  });

  it('passes a canary near its weighted share and says so', () => {
    const v = share({ canary: canary(5, 0, 110), stable: canary(5, 0, 440) });
    expect(v).toEqual({ verdict: 'pass', reasons: ['canary traffic share 20% (weight share 20%)'] });
  });

  it('has no opinion on too little traffic, without stables, or when turned off', () => {
    expect(share({ canary: canary(5, 0, 0), stable: canary(5, 0, 50) })).toEqual({ verdict: 'pass', reasons: [] });
    expect(share({ canary: canary(5, 0, 0) })).toEqual({ verdict: 'pass', reasons: [] });
    const off = trafficShareJudge({ expectedShare: 0.2, minShareRatio: 0, minRequests: 20 });
    expect(off({ canary: canary(5, 0, 1), stable: canary(5, 0, 1000) }).verdict).toBe('pass');
  });
});

describe('allOf', () => {
  const both = allOf(judge, trafficShareJudge({ expectedShare: 0.2, minShareRatio: 0.25, minRequests: 20 }));

  it('fails when any judge fails, with the failing reasons only', () => {
    // too few canary requests alone is inconclusive; starved of its share it is a failure
    const v = both({ canary: canary(700, 0, 7), stable: canary(5, 0, 600) });
    expect(v.verdict).toBe('fail');
    expect(v.reasons).toHaveLength(1);
    expect(v.reasons[0]).toMatch(/took it out of rotation/);
  });

  it('is inconclusive when none fails and one cannot tell', () => {
    expect(both({ canary: canary(10, 0, 3), stable: canary(5, 0, 12) }).verdict).toBe('inconclusive');
  });

  it('passes only when all pass, keeping every reason', () => {
    const v = both({ canary: canary(42, 0, 120), stable: canary(5, 0, 480) });
    expect(v.verdict).toBe('pass');
    expect(v.reasons).toHaveLength(4);
  });
});
