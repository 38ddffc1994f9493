// One analysis interval's decision from its metric verdicts, Kayenta-style (critical metrics,
// weights, a score) but explainable: every metric's weight, verdict and points are returned.
//
// score = 100 · Σ_{verdict = pass} wᵢ / Σ_{verdict ∈ {pass, fail}} wᵢ
// Inconclusive and nodata metrics are left out of both sums (Kayenta's NaN strategy "remove")
// and listed; a metric that must never pass without data is made critical.
import { z } from 'zod';
import { num } from './format.ts';
import { parseInput } from './input.ts';
import type { MetricVerdict, VerdictKind } from './verdict.ts';

export type IntervalDecisionKind = 'pass' | 'fail' | 'inconclusive';

const metricWeightSchema = z.object({
  weight: z.number().finite().min(0).default(1),
  /** Critical: its fail fails the interval, its inconclusive/nodata (or absence) makes it inconclusive. */
  critical: z.boolean().default(false),
});

export const decisionConfigSchema = z
  .object({
    /** Per metric name; a verdict for a metric not listed has weight 1 and is not critical. */
    metrics: z.record(z.string(), metricWeightSchema).default({}),
    /** score >= passScore passes; marginalScore <= score < passScore is inconclusive; below fails. */
    passScore: z.number().min(0).max(100).default(95),
    marginalScore: z.number().min(0).max(100).default(75),
    /** The absolute latency guardrail kept from the first release rule (mean < 500 ms): a canary at or above it fails. */
    maxCanaryAvgLatencyMs: z.number().positive().default(500),
  })
  .refine((c) => c.marginalScore <= c.passScore, { message: 'marginalScore must not exceed passScore', path: ['marginalScore'] });
export type DecisionConfig = z.input<typeof decisionConfigSchema>;

export interface MetricContribution {
  metric: string;
  verdict: VerdictKind;
  weight: number;
  critical: boolean;
  /** Whether the metric is in the score (pass or fail). */
  counted: boolean;
  /** Points out of 100 this metric is worth in this interval (its weight's share of the counted weight). */
  share: number;
  /** Points it earned: `share` when it passed, else 0. The score is their sum. */
  points: number;
}

export interface IntervalDecision {
  decision: IntervalDecisionKind;
  /** Null when no metric could be counted. */
  score: number | null;
  guardrailBreached: boolean;
  contributions: MetricContribution[];
  /** Why, most decisive first; one line each. */
  reasons: string[];
}

export interface IntervalInput {
  verdicts: readonly MetricVerdict[];
  /** The canary's mean latency over the interval (ms); null when it served nothing to average. */
  canaryAvgLatencyMs: number | null;
}

/**
 * In order: the absolute latency guardrail breached → fail; a critical metric failed → fail; a
 * critical metric inconclusive, without data or missing → inconclusive; nothing counted →
 * inconclusive; then the score against marginalScore and passScore.
 */
export function decideInterval(input: IntervalInput, configInput: DecisionConfig = {}): IntervalDecision {
  const config = parseInput(decisionConfigSchema, configInput, 'decisionConfig');
  const present = new Set(input.verdicts.map((v) => v.metric));
  const missing = Object.entries(config.metrics).filter(([name, m]) => m.critical && !present.has(name));
  const rows = input.verdicts.map((v) => {
    const m = config.metrics[v.metric] ?? { weight: 1, critical: false };
    return { metric: v.metric, verdict: v.verdict, weight: m.weight, critical: m.critical, counted: v.verdict === 'pass' || v.verdict === 'fail' };
  });
  const countedWeight = rows.reduce((sum, r) => sum + (r.counted ? r.weight : 0), 0);
  const contributions = rows.map((r) => {
    const share = r.counted && countedWeight > 0 ? (100 * r.weight) / countedWeight : 0;
    return { ...r, share, points: r.verdict === 'pass' ? share : 0 };
  });
  // From the weights, not the sum of the rounded-off points: all passing must be exactly 100.
  const passingWeight = rows.reduce((sum, r) => sum + (r.verdict === 'pass' ? r.weight : 0), 0);
  const score = countedWeight > 0 ? (100 * passingWeight) / countedWeight : null;
  const lines = input.verdicts.map((v) => v.explanation);
  const avg = input.canaryAvgLatencyMs;
  const guardrailBreached = avg !== null && Number.isFinite(avg) && avg >= config.maxCanaryAvgLatencyMs;
  const result = (decision: IntervalDecisionKind, why: string[]): IntervalDecision => ({
    decision,
    score,
    guardrailBreached,
    contributions,
    reasons: [...why, ...lines],
  });

  if (guardrailBreached) {
    return result('fail', [`guardrail: canary mean latency ${num(avg)} ms >= ${config.maxCanaryAvgLatencyMs} ms`]);
  }
  const critical = (kinds: VerdictKind[]) => rows.filter((r) => r.critical && kinds.includes(r.verdict)).map((r) => r.metric);
  const criticalFails = critical(['fail']);
  if (criticalFails.length) return result('fail', [`critical metric failed: ${criticalFails.join(', ')}`]);
  const unknown = [...critical(['inconclusive', 'nodata']), ...missing.map(([name]) => `${name} (not measured)`)];
  if (unknown.length) return result('inconclusive', [`critical metric without a verdict: ${unknown.join(', ')}`]);
  if (score === null) return result('inconclusive', ['no metric could be judged']);
  const scoreLine = `score ${num(score)} (pass >= ${config.passScore}, marginal >= ${config.marginalScore}): ${contributions
    .map((c) => `${c.metric} ${c.verdict} ${num(c.points)}/${num(c.share)}`)
    .join(', ')}`;
  if (score < config.marginalScore) return result('fail', [scoreLine]);
  if (score < config.passScore) return result('inconclusive', [scoreLine]);
  return result('pass', [scoreLine]);
}
