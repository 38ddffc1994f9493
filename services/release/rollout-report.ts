// The stepped release's report (what people read): per step its weights, the analysis run's
// outcome and every interval's figures (per metric: n, statistic, p-value, effect, verdict), and
// charts: the latency distribution canary vs baseline per step, and watch-through per step with
// 95 % Wilson intervals. Pure: the rollout state in, markdown and SVG out (report.ts writes them).
import { groupedBarChartSvg } from '../core/chart.ts';
import { wilsonInterval, type MetricVerdict } from './analysis/index.ts';
import { num, pValue } from './analysis/format.ts';
import { feedbackSection } from './feedback-report.ts';
import type { FeedbackWindow } from './online/feedback-loop.ts';
import type { IntervalRecord, RolloutState } from './rollout.ts';
import { stepWeights } from './rollout.ts';

export interface RolloutReportInput {
  id: string;
  version: string;
  stableVersion: string;
  rollout: RolloutState;
  decision: { verdict: string; reasons: string[]; by: string } | null;
  /** The feedback-loop windows over the release (feedbackLoop, grouped by version); drawn when given. */
  feedback?: readonly FeedbackWindow[];
}

type Counts = { events: number; total: number };
type Histogram = { upperBounds: Array<number | string>; baseline: number[]; canary: number[] };

const isHistogram = (d: unknown): d is { histogram: Histogram } =>
  typeof d === 'object' && d !== null && 'histogram' in d;
const isPair = (d: unknown): d is { baseline: Counts; canary: Counts } =>
  typeof d === 'object' && d !== null && 'baseline' in d && typeof (d as { baseline: Counts }).baseline?.total === 'number';

/** The step's latency buckets, summed over its intervals (first latency metric). */
export function stepLatency(intervals: IntervalRecord[]): Histogram | null {
  let sum: Histogram | null = null;
  for (const i of intervals) {
    const h = i.data.find((d) => d.kind === 'latency' && isHistogram(d.data))?.data as { histogram: Histogram } | undefined;
    if (!h) continue;
    const { upperBounds, baseline, canary } = h.histogram;
    if (!sum || sum.upperBounds.length !== upperBounds.length) sum = { upperBounds, baseline: [...baseline], canary: [...canary] };
    else baseline.forEach((c, k) => ((sum as Histogram).baseline[k] += c, (sum as Histogram).canary[k] += canary[k]));
  }
  return sum;
}

/** Watch-through counts of the step, summed over its intervals (a proportion metric named watch…). */
export function stepWatchThrough(intervals: IntervalRecord[]): { baseline: Counts; canary: Counts } | null {
  const pairs = intervals.flatMap((i) => i.data.filter((d) => /watch/i.test(d.metric) && isPair(d.data)).map((d) => d.data as { baseline: Counts; canary: Counts }));
  if (!pairs.length) return null;
  const add = (k: 'baseline' | 'canary') => pairs.reduce((a, p) => ({ events: a.events + p[k].events, total: a.total + p[k].total }), { events: 0, total: 0 });
  return { baseline: add('baseline'), canary: add('canary') };
}

export function latencyChart(step: number, percent: number, h: Histogram): string {
  const share = (counts: number[]) => {
    const total = counts.reduce((a, b) => a + b, 0);
    return counts.map((c) => (total > 0 ? c / total : 0));
  };
  return groupedBarChartSvg(
    `Step ${step + 1} (${percent} %): latency distribution, canary vs baseline`,
    h.upperBounds.map((b) => `≤ ${b === Infinity || b === '+Inf' ? '+Inf' : num(Number(b))}`),
    [
      { name: 'canary', values: share(h.canary) },
      { name: 'baseline', values: share(h.baseline) },
    ],
    'share of requests per bucket',
  );
}

export function watchThroughChart(steps: Array<{ label: string; counts: { baseline: Counts; canary: Counts } }>): string {
  const series = (k: 'baseline' | 'canary') => ({
    name: k,
    values: steps.map((s) => (s.counts[k].total > 0 ? s.counts[k].events / s.counts[k].total : 0)),
    intervals: steps.map((s) => {
      const ci = wilsonInterval(s.counts[k]);
      return [ci.lower, ci.upper] as [number, number];
    }),
  });
  return groupedBarChartSvg('Watch-through per step (95 % Wilson intervals)', steps.map((s) => s.label), [series('canary'), series('baseline')], 'watch-through');
}

function verdictRows(verdicts: MetricVerdict[]): string[] {
  return verdicts.map(
    (v) =>
      `| ${v.metric} | ${v.test} | **${v.verdict}** | ${num(v.n.baseline)} / ${num(v.n.canary)} (need ${num(v.requiredPerGroup)}) | ` +
      `${num(v.statistic)} | ${v.pValue === null ? 'n/a' : pValue(v.pValue)} | ${v.effect.name}: ${num(v.effect.value)} (tolerance ${num(v.effect.tolerance)}) |`,
  );
}

function intervalSection(i: IntervalRecord, n: number): string[] {
  const when = `${new Date(i.fromMs).toISOString()} → ${new Date(i.toMs).toISOString()}`;
  const head = `#### Interval ${n}: ${i.kind}${i.decision ? ` — **${i.decision}**` : ''}${i.score === null ? '' : `, score ${num(i.score)}`}${i.guardrailBreached ? ', guardrail breached' : ''}`;
  return [
    head,
    '',
    `${when}; canary ${num(i.canaryRequests)} requests, baseline ${num(i.baselineRequests)}, canary mean latency ${i.canaryAvgLatencyMs === null ? 'n/a' : `${num(i.canaryAvgLatencyMs)} ms`}; run: ${i.run.status} — ${i.run.reason}`,
    '',
    ...(i.verdicts.length
      ? ['| metric | test | verdict | n baseline / canary | statistic | p (one-sided) | effect |', '| --- | --- | --- | --- | --- | --- | --- |', ...verdictRows(i.verdicts), '']
      : []),
    ...i.reasons.map((r) => `- ${r}`),
    '',
  ];
}

/** The markdown, and the SVG files it links to (name → content). */
export function renderRolloutReport(input: RolloutReportInput): { markdown: string; charts: Record<string, string> } {
  const r = input.rollout;
  const charts: Record<string, string> = {};
  const watch: Array<{ label: string; counts: { baseline: Counts; canary: Counts } }> = [];
  const lines = [
    `# Release ${input.id}`,
    '',
    `- candidate (canary): **${input.version}**, baseline and stables: **${input.stableVersion}**`,
    `- steps: ${r.plan.steps.map((p) => `${p} %`).join(' → ')} → promote; ${r.plan.limits.intervals} intervals of ${num(r.plan.intervalMs / 1000)} s per step`,
    `- decision: **${input.decision ? `${input.decision.verdict} (${input.decision.by})` : 'pending'}**`,
    ...(input.decision?.reasons.map((x) => `  - ${x}`) ?? []),
    '',
  ];
  r.plan.steps.forEach((percent, step) => {
    const intervals = r.intervals.filter((i) => i.step === step);
    if (!intervals.length && step > r.stepIndex) return;
    const w = stepWeights(percent);
    const status = step < r.stepIndex ? 'succeeded' : step === r.stepIndex ? r.run.status : 'not reached';
    lines.push(`## Step ${step + 1}: canary ${percent} % (stable ${w.stable} / baseline ${w.baseline} / canary ${w.canary}) — ${status}`, '');
    const h = stepLatency(intervals);
    if (h) {
      const name = `step-${step + 1}-latency.svg`;
      charts[name] = latencyChart(step, percent, h);
      lines.push(`![latency distribution, step ${step + 1}](${name})`, '');
    }
    const wt = stepWatchThrough(intervals);
    if (wt) watch.push({ label: `step ${step + 1} (${percent} %)`, counts: wt });
    intervals.forEach((i, k) => lines.push(...intervalSection(i, k + 1)));
  });
  if (watch.length) {
    charts['watch-through.svg'] = watchThroughChart(watch);
    lines.push('## Watch-through', '', '![watch-through per step](watch-through.svg)', '');
  }
  const feedback = feedbackSection(input.feedback ?? []);
  lines.push(...feedback.lines);
  Object.assign(charts, feedback.charts);
  return { markdown: `${lines.join('\n')}\n`, charts };
}
