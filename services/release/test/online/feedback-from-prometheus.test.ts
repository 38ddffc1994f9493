import { describe, expect, it } from 'vitest';
import { feedbackWindowsOf, readFeedbackWindows } from '../../online/feedback-from-prometheus.ts';
import type { RangeSeries } from '../../prometheus-client.ts';

const s = (version: string, points: Array<[number, number]>): RangeSeries => ({ metric: { __name__: 'x', version }, points });

describe('feedback windows from the worker gauges', () => {
  // v1's window starting at 3600 s is seen at 3700 s (10 watches) and 3760 s (12, its last sample);
  // then the window at 7200 s. v2 shows one window.
  const series = {
    windowStart: [s('v1', [[3700, 3600], [3760, 3600], [7300, 7200]]), s('v2', [[3760, 3600]])],
    share: [s('v1', [[3700, 0.1], [3760, 0.25], [7300, 0.5]]), s('v2', [[3760, 0.2]])],
    gini: [s('v1', [[3700, 0.3], [3760, 0.31], [7300, 0.4]]), s('v2', [[3760, 0.2]])],
    watches: [s('v1', [[3700, 10], [3760, 12], [7300, 4]]), s('v2', [[3760, 5]])],
    followed: [s('v1', [[3700, 1], [3760, 3], [7300, 2]]), s('v2', [[3760, 1]])],
    movies: [s('v1', [[3700, 6], [3760, 7], [7300, 3]])],
  };

  it('gives one window per version and start, with the figures of its last sample', () => {
    const w = feedbackWindowsOf(series);
    expect(w).toEqual([
      { version: 'v1', windowStart: 3_600_000, watches: 12, followed: 3, share: 0.25, gini: 0.31, movies: 7 },
      { version: 'v2', windowStart: 3_600_000, watches: 5, followed: 1, share: 0.2, gini: 0.2, movies: Number.NaN },
      { version: 'v1', windowStart: 7_200_000, watches: 4, followed: 2, share: 0.5, gini: 0.4, movies: 3 },
    ]);
  });

  it('asks Prometheus for each gauge over the range', async () => {
    const asked: string[] = [];
    const client = {
      query: async () => [],
      queryRange: async (q: string, from: number, to: number, step: number) => {
        asked.push(`${q} ${from} ${to} ${step}`);
        const field = Object.entries({
          marquee_feedback_window_start_seconds: 'windowStart',
          marquee_feedback_watch_share: 'share',
          marquee_feedback_watch_gini: 'gini',
          marquee_feedback_watches: 'watches',
          marquee_feedback_followed: 'followed',
          marquee_feedback_movies: 'movies',
        }).find(([name]) => name === q)![1] as keyof typeof series;
        return series[field];
      },
    };
    const w = await readFeedbackWindows(client, 3_000_000, 8_000_000, 30);
    expect(w).toHaveLength(3);
    expect(asked).toContain('marquee_feedback_watch_share 3000 8000 30');
    expect(asked).toHaveLength(6);
  });
});
