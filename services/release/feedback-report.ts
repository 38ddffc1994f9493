// The feedback-loop figures (online/feedback-loop.ts) in the release report: share and Gini per
// model version over time, as two line charts and a table (pure). Both climbing is the loop.
import { lineChartSvg, type Series } from '../core/chart.ts';
import { num } from './analysis/format.ts';
import type { FeedbackWindow } from './online/feedback-loop.ts';

const HOUR_MS = 60 * 60_000;

/** Markdown lines and the SVG charts they link to; nothing without windows. */
export function feedbackSection(windows: readonly FeedbackWindow[]): { lines: string[]; charts: Record<string, string> } {
  if (!windows.length) return { lines: [], charts: {} };
  const t0 = Math.min(...windows.map((w) => w.windowStart));
  const versions = [...new Set(windows.map((w) => w.version))].sort();
  const series = (pick: (w: FeedbackWindow) => number): Series[] =>
    versions.map((v) => ({
      name: v,
      points: windows.filter((w) => w.version === v).map((w) => [(w.windowStart - t0) / HOUR_MS, pick(w)] as [number, number]),
    }));
  const xLabel = `hours since ${new Date(t0).toISOString()}`;
  const charts = {
    'feedback-share.svg': lineChartSvg('Share of watches that follow a recommendation', series((w) => w.share), xLabel, 'share'),
    'feedback-gini.svg': lineChartSvg('Concentration of watches on movies (Gini)', series((w) => w.gini), xLabel, 'Gini'),
  };
  const lines = [
    '## Feedback loop',
    '',
    'Per model version and window: of the watch starts of users it served, the share of a movie it listed to them within T before, and the Gini coefficient of starts per movie.',
    '',
    '![share of watches that follow a recommendation](feedback-share.svg)',
    '',
    '![Gini of watches per movie](feedback-gini.svg)',
    '',
    '| window start | version | watches | followed | share | Gini | movies |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...windows.map((w) => `| ${new Date(w.windowStart).toISOString()} | ${w.version} | ${w.watches} | ${w.followed} | ${num(w.share)} | ${num(w.gini)} | ${w.movies} |`),
    '',
  ];
  return { lines, charts };
}
