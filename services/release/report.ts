// The canary analysis report: markdown with the figures and the verdict, and an SVG chart of
// canary vs stable latency over the window. Rendering is pure; `writeReport` does the I/O.
import { join } from 'node:path';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { lineChartSvg } from '../core/chart.ts';
import type { Measurements } from './canary-metrics.ts';
import { formatDuration } from './duration.ts';
import type { TrackSummary, Verdict } from './judge.ts';
import { avgLatencyQuery, errorsQuery, requestsQuery } from './promql.ts';
import { renderRolloutReport, type RolloutReportInput } from './rollout-report.ts';

export interface ReportInput {
  id: string;
  version: string;
  stableVersion: string;
  windowMs: number;
  measurements: Measurements;
  verdict: Verdict;
  thresholds?: { maxAvgLatencyMs: number; maxErrorRate: number; minRequests: number };
}

export const fmtMs = (v: number | null) => (v === null ? 'n/a' : `${v.toFixed(1)} ms`);
export const fmtRate = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(2)}%`);

export function renderChart(input: ReportInput): string {
  const t0 = input.measurements.windowStartSec;
  const rel = (points: Array<[number, number]>) => points.map(([t, v]) => [t - t0, v] as [number, number]);
  return lineChartSvg(
    `Release ${input.version}: canary vs stable latency`,
    [
      { name: `canary (${input.version})`, points: rel(input.measurements.series.canary) },
      { name: `stable (${input.stableVersion})`, points: rel(input.measurements.series.stable) },
    ],
    'seconds since the canary started',
    'mean latency of 200s (ms)',
  );
}

export function renderMarkdown(input: ReportInput): string {
  const m = input.measurements;
  const row = (name: string, s: TrackSummary) =>
    `| ${name} | ${fmtMs(s.avgLatencyMs)} | ${fmtRate(s.errorRate)} | ${Math.round(s.requests)} |`;
  const t = input.thresholds;
  return [
    `# Canary analysis: release ${input.id}`,
    '',
    `- candidate: **${input.version}**, stable: **${input.stableVersion}**`,
    `- window: ${formatDuration(input.windowMs)} (${new Date(m.windowStartSec * 1000).toISOString()} → ${new Date(m.windowEndSec * 1000).toISOString()})`,
    `- verdict: **${input.verdict.verdict}**`,
    ...input.verdict.reasons.map((r) => `  - ${r}`),
    ...(t ? [`- limits: average latency < ${t.maxAvgLatencyMs} ms, error rate < ${fmtRate(t.maxErrorRate)}, at least ${t.minRequests} requests`] : []),
    '',
    '| track | avg latency (200s) | error rate | requests |',
    '| --- | --- | --- | --- |',
    row('canary', m.canary),
    row('stable', m.stable),
    '',
    '![canary vs stable latency](latency.svg)',
    '',
    'Queries (evaluated at the end of the window):',
    '',
    '```promql',
    avgLatencyQuery('canary', input.windowMs),
    errorsQuery('canary', input.windowMs),
    requestsQuery('canary', input.windowMs),
    '```',
    '',
  ].join('\n');
}

/** Writes report.md and latency.svg into `<reportsDir>/<id>/`; returns that folder. */
export function writeReport(reportsDir: string, input: ReportInput): string {
  const dir = join(reportsDir, input.id);
  writeFileAtomic(join(dir, 'latency.svg'), renderChart(input));
  writeFileAtomic(join(dir, 'report.md'), renderMarkdown(input));
  return dir;
}

/** A stepped release's report.md and charts into `<reportsDir>/<id>/` (rewritten as it goes); returns that folder. */
export function writeRolloutReport(reportsDir: string, input: RolloutReportInput): string {
  const dir = join(reportsDir, input.id);
  const { markdown, charts } = renderRolloutReport(input);
  for (const [name, svg] of Object.entries(charts)) writeFileAtomic(join(dir, name), svg);
  writeFileAtomic(join(dir, 'report.md'), markdown);
  return dir;
}
