// The canary verdict, as a pure function of what Prometheus measured. `thresholdJudge` is the
// seed's rule (average latency and error rate under their limits, with enough traffic to
// tell); a stricter judge (per-interval, or relative to the stable track) is any other `Judge`.

export interface TrackSummary {
  /** Average latency of successful /recommend requests over the window; null when there were none. */
  avgLatencyMs: number | null;
  /** Non-2xx / all /recommend requests over the window; null when there were no requests. */
  errorRate: number | null;
  /** All /recommend requests over the window (Prometheus' increase(), so possibly fractional). */
  requests: number;
}

/** One time series of a track over the window: [unix seconds, value]. */
export type Points = Array<[number, number]>;

export interface JudgeInput {
  canary: TrackSummary;
  /** The stables over the same window, for judges that compare; the threshold judge ignores it. */
  stable?: TrackSummary;
  /** Latency over time (ms) per track, for judges that look at the shape, not only the mean. */
  series?: { canary: Points; stable: Points };
}

export type VerdictKind = 'pass' | 'fail' | 'inconclusive';

export interface Verdict {
  verdict: VerdictKind;
  reasons: string[];
}

export type Judge = (input: JudgeInput) => Verdict;

export interface Thresholds {
  maxAvgLatencyMs: number;
  maxErrorRate: number;
  minRequests: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { maxAvgLatencyMs: 500, maxErrorRate: 0.01, minRequests: 20 };

const known = (v: number | null): v is number => v !== null && Number.isFinite(v);

export function thresholdJudge(t: Thresholds): Judge {
  return ({ canary }) => {
    // Too little evidence never promotes: the canary may simply not have been reached.
    const requests = Number.isFinite(canary.requests) ? canary.requests : 0;
    if (requests < t.minRequests) {
      return {
        verdict: 'inconclusive',
        reasons: [`only ${fmt(requests)} canary requests in the window (need at least ${t.minRequests})`],
      };
    }
    const avg = canary.avgLatencyMs;
    const errorRate = canary.errorRate;
    // A failed check decides even when the other cannot be measured (all requests erroring
    // leaves no successful latency to average, and that is a failure, not missing data).
    const failures: string[] = [];
    if (known(avg) && avg >= t.maxAvgLatencyMs) {
      failures.push(`average latency ${fmt(avg)} ms >= limit ${t.maxAvgLatencyMs} ms`);
    }
    if (known(errorRate) && errorRate >= t.maxErrorRate) {
      failures.push(`error rate ${pct(errorRate)} >= limit ${pct(t.maxErrorRate)}`);
    }
    if (failures.length) return { verdict: 'fail', reasons: failures };
    if (!known(avg)) {
      return { verdict: 'inconclusive', reasons: ['no successful canary requests to measure latency on'] };
    }
    if (!known(errorRate)) {
      return { verdict: 'inconclusive', reasons: ['canary error rate could not be measured'] };
    }
    return {
      verdict: 'pass',
      reasons: [
        `average latency ${fmt(avg)} ms < limit ${t.maxAvgLatencyMs} ms`,
        `error rate ${pct(errorRate)} < limit ${pct(t.maxErrorRate)}`,
        `${fmt(requests)} requests >= minimum ${t.minRequests}`,
      ],
    };
  };
}

export interface ShareRule {
  /** The canary's share of /recommend traffic by the load balancer's weights (4:1 gives 0.2). */
  expectedShare: number;
  /** Fail when the canary got less than this fraction of its expected share; 0 turns the rule off. */
  minShareRatio: number;
  /** Below this many requests expected at the canary, the share is noise and is not judged. */
  minRequests: number;
}

/**
 * Passive failover hides a bad canary: NGINX takes a failing or timing-out server out of
 * rotation and retries on a stable one, so the canary's own figures look thin, not bad. A canary
 * that gets far less than its weighted share of the traffic has been failing; say so.
 */
export function trafficShareJudge(rule: ShareRule): Judge {
  return ({ canary, stable }) => {
    if (rule.minShareRatio <= 0 || !stable) return { verdict: 'pass', reasons: [] };
    const total = canary.requests + stable.requests;
    if (!Number.isFinite(total) || total * rule.expectedShare < rule.minRequests) return { verdict: 'pass', reasons: [] };
    const share = canary.requests / total;
    if (share < rule.expectedShare * rule.minShareRatio) {
      return {
        verdict: 'fail',
        reasons: [
          `canary served ${pct(share)} of ${fmt(total)} requests where its weight gives ${pct(rule.expectedShare)}: ` +
            'the load balancer took it out of rotation (failing or timing out)',
        ],
      };
    }
    return { verdict: 'pass', reasons: [`canary traffic share ${pct(share)} (weight share ${pct(rule.expectedShare)})`] };
  };
}

/** All judges must pass: any fail fails, else any inconclusive is inconclusive; reasons are kept. */
export function allOf(...judges: Judge[]): Judge {
  return (input) => {
    const verdicts = judges.map((j) => j(input));
    const pick = (kind: VerdictKind) => verdicts.filter((v) => v.verdict === kind);
    const decisive = pick('fail').length ? pick('fail') : pick('inconclusive').length ? pick('inconclusive') : verdicts;
    const verdict: VerdictKind = pick('fail').length ? 'fail' : pick('inconclusive').length ? 'inconclusive' : 'pass';
    return { verdict, reasons: decisive.flatMap((v) => v.reasons) };
  };
}

/** The production judge: the absolute thresholds (latency, error rate) plus the traffic-share rule (config.ts judgeOf). */
export function releaseJudge(t: Thresholds, share: Omit<ShareRule, 'minRequests'>): Judge {
  return allOf(thresholdJudge(t), trafficShareJudge({ ...share, minRequests: t.minRequests }));
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

function pct(v: number): string {
  return `${Number((v * 100).toFixed(3))}%`;
}
