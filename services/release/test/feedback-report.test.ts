// The feedback-loop section of the release report: a chart each for share and Gini, one series per
// version over time, and the figures in a table.
import { describe, expect, it } from 'vitest';
import { feedbackSection } from '../feedback-report.ts';
import type { FeedbackWindow } from '../online/feedback-loop.ts';

const H = 60 * 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const win = (version: string, hour: number, share: number, gini: number): FeedbackWindow => ({
  version,
  windowStart: T0 + hour * H,
  watches: 10,
  followed: Math.round(share * 10),
  share,
  gini,
  movies: 4,
});

describe('feedback section', () => {
  it('is empty without windows', () => {
    expect(feedbackSection([])).toEqual({ lines: [], charts: {} });
  });

  it('draws share and Gini over time per version and lists every window', () => {
    const windows = [win('v1', 0, 0.2, 0.3), win('v2', 0, 0.4, 0.5), win('v1', 1, 0.3, 0.35)];
    const { lines, charts } = feedbackSection(windows);
    expect(Object.keys(charts)).toEqual(['feedback-share.svg', 'feedback-gini.svg']);
    for (const svg of Object.values(charts)) {
      expect(svg).toMatch(/^<svg/);
      expect(svg).toContain('v1');
      expect(svg).toContain('v2');
      expect(svg).toContain('hours since 2026-12-01T00:00:00.000Z');
    }
    const text = lines.join('\n');
    expect(text).toContain('![share of watches that follow a recommendation](feedback-share.svg)');
    expect(text).toContain('| 2026-12-01T01:00:00.000Z | v1 | 10 | 3 | 0.3 | 0.35 | 4 |');
    expect(lines.filter((l) => /^\| 2026/.test(l))).toHaveLength(3);
  });
});
