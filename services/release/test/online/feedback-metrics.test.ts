import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createFeedbackMetrics } from '../../online/feedback-metrics.ts';

describe('feedback metrics', () => {
  it('exports the latest window per version and drops versions no longer reported', async () => {
    const registry = new Registry();
    const m = createFeedbackMetrics(registry);
    const row = (version: string, windowStart: number, share: number) => ({ version, windowStart, watches: 10, followed: share * 10, share, gini: 0.25, movies: 4 });
    m.update([row('v1', 0, 0.1), row('v1', 3_600_000, 0.3), row('v2', 0, 0.2)]);
    let text = await registry.metrics();
    expect(text).toContain('marquee_feedback_watch_share{version="v1"} 0.3');
    expect(text).toContain('marquee_feedback_watch_share{version="v2"} 0.2');
    expect(text).toContain('marquee_feedback_watch_gini{version="v1"} 0.25');
    expect(text).toContain('marquee_feedback_window_start_seconds{version="v1"} 3600');
    expect(text).toContain('marquee_feedback_followed{version="v1"} 3');
    expect(text).toContain('marquee_feedback_movies{version="v1"} 4');
    m.update([row('v2', 7_200_000, 0.5)]);
    text = await registry.metrics();
    expect(text).not.toContain('version="v1"');
    expect(text).toContain('marquee_feedback_watches{version="v2"} 10');
  });
});
