// The worker's feedback-loop monitor: the bounded rolling window of watches, and a refresh that
// joins it with served lists into the gauges and survives reccom being unreadable.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { silentLogger } from '../../core/logger.ts';
import { createFeedbackMetrics } from '../../release/online/feedback-metrics.ts';
import type { ServedList, Watch } from '../../release/online/types.ts';
import { feedbackEnvShape } from '../feedback/config.ts';
import { createFeedbackMonitor } from '../feedback/monitor.ts';
import { createWatchWindow } from '../feedback/watch-window.ts';
import { recommendationLine, watchLine } from '../simulator/lines.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-12-02T10:00:00Z');
const w = (userId: number, movieId: string, at: number): Watch => ({ userId, movieId, at });
/** A log time as the stream writes it (UTC, no zone). */
const logTime = (ms: number) => new Date(ms).toISOString().slice(0, 19);

describe('watch window', () => {
  it('drops watches older than keepMs, on add and on prune', () => {
    const win = createWatchWindow({ keepMs: 10 * MIN, maxWatches: 100 });
    win.add([w(1, 'a', T0 - 11 * MIN), w(1, 'a', T0 - 9 * MIN), w(2, 'b', T0)], T0);
    expect(win.watches().map((x) => x.at)).toEqual([T0 - 9 * MIN, T0]);
    win.prune(T0 + 2 * MIN);
    expect(win.watches().map((x) => x.at)).toEqual([T0]);
    win.prune(T0 + 11 * MIN);
    expect(win.size).toBe(0);
  });

  it('never holds more than maxWatches: the oldest arrivals go first', () => {
    const win = createWatchWindow({ keepMs: 60 * MIN, maxWatches: 3 });
    for (let i = 0; i < 10; i++) win.add([w(i, 'm', T0 + i)], T0 + i);
    expect(win.size).toBe(3);
    expect(win.watches().map((x) => x.userId)).toEqual([7, 8, 9]);
    win.add([w(10, 'm', T0 + 10), w(11, 'm', T0 + 11), w(12, 'm', T0 + 12), w(13, 'm', T0 + 13)], T0 + 13);
    expect(win.watches().map((x) => x.userId)).toEqual([11, 12, 13]);
  });

  it('refuses a window that keeps nothing', () => {
    expect(() => createWatchWindow({ keepMs: 0, maxWatches: 1 })).toThrow(RangeError);
    expect(() => createWatchWindow({ keepMs: 1, maxWatches: 0 })).toThrow(RangeError);
  });
});

function recordingLogger() {
  const lines: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (msg) => void lines.push(`warn ${msg}`), info: (msg) => void lines.push(`info ${msg}`) };
  return { logger, lines };
}

async function gauge(registry: Registry, name: string, version: string): Promise<number | undefined> {
  const m = await registry.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.version === version)?.value;
}

describe('feedback monitor', () => {
  const served: ServedList[] = [{ userId: 1, servedAt: T0 - 5 * MIN, group: 'v7', ids: ['a', 'b'] }];
  const lines = [
    recommendationLine(logTime(T0 - 5 * MIN), 1, 'host:8082', 200, 'a, b', 40), // ignored: reccom knows the version
    watchLine(logTime(T0 - 2 * MIN), 1, 'a', 0), // follows the list
    watchLine(logTime(T0 - 1 * MIN), 1, 'a', 1), // same session: not a new start
    watchLine(logTime(T0 - 1 * MIN), 1, 'z', 0), // not listed
    watchLine(logTime(T0 - 1 * MIN), 9, 'a', 0), // a user never served: left out
  ];

  it('exports share and Gini per version from the lines and the served lists', async () => {
    const registry = new Registry();
    const asked: Array<[number, number]> = [];
    const monitor = createFeedbackMonitor({
      windowMs: 30 * MIN,
      bucketMs: 60 * MIN,
      maxWatches: 1000,
      readServed: async (from, to) => (asked.push([from, to]), served),
      metrics: createFeedbackMetrics(registry),
      logger: silentLogger,
      now: () => T0,
    });
    monitor.onLines(lines);
    await monitor.refresh();
    expect(asked).toEqual([[T0 - 2 * MIN - 30 * MIN, T0 + 1]]);
    expect(await gauge(registry, 'marquee_feedback_watch_share', 'v7')).toBe(0.5);
    expect(await gauge(registry, 'marquee_feedback_watches', 'v7')).toBe(2);
    expect(await gauge(registry, 'marquee_feedback_watch_gini', 'v7')).toBe(0);
  });

  it('keeps the last figures while reccom is unreadable, logging once until it recovers', async () => {
    const registry = new Registry();
    const { logger, lines: logged } = recordingLogger();
    let down = false;
    const monitor = createFeedbackMonitor({
      windowMs: 30 * MIN,
      bucketMs: 60 * MIN,
      maxWatches: 1000,
      readServed: async () => {
        if (down) throw new Error('connect ECONNREFUSED');
        return served;
      },
      metrics: createFeedbackMetrics(registry),
      logger,
      now: () => T0,
    });
    monitor.onLines(lines);
    await monitor.refresh();
    down = true;
    await monitor.refresh();
    await monitor.refresh();
    expect(await gauge(registry, 'marquee_feedback_watch_share', 'v7')).toBe(0.5);
    down = false;
    await monitor.refresh();
    expect(logged).toEqual(['warn feedback monitor: cannot read reccom; keeping the last figures', 'info feedback monitor: reccom readable again']);
  });

  it('drops a version once its watches have left the window', async () => {
    const registry = new Registry();
    let t = T0;
    const monitor = createFeedbackMonitor({
      windowMs: 30 * MIN,
      bucketMs: 60 * MIN,
      maxWatches: 1000,
      readServed: async () => served,
      metrics: createFeedbackMetrics(registry),
      logger: silentLogger,
      now: () => t,
    });
    monitor.onLines(lines);
    await monitor.refresh();
    t = T0 + 2 * 60 * MIN;
    await monitor.refresh();
    expect(await gauge(registry, 'marquee_feedback_watch_share', 'v7')).toBeUndefined();
  });
});

describe('feedback settings', () => {
  it('defaults, and names the variable that is wrong', () => {
    expect(loadConfig(feedbackEnvShape, {})).toEqual({
      FEEDBACK_WINDOW_MS: 30 * MIN,
      FEEDBACK_BUCKET_MS: 60 * MIN,
      FEEDBACK_INTERVAL_MS: 60_000,
      FEEDBACK_MAX_WATCHES: 500_000,
    });
    expect(() => loadConfig(feedbackEnvShape, { FEEDBACK_INTERVAL_MS: '10', FEEDBACK_MAX_WATCHES: 'many' })).toThrow(ConfigError);
    try {
      loadConfig(feedbackEnvShape, { FEEDBACK_INTERVAL_MS: '10', FEEDBACK_MAX_WATCHES: 'many' });
    } catch (err) {
      expect((err as ConfigError).issues.join('\n')).toMatch(/FEEDBACK_INTERVAL_MS[\s\S]*FEEDBACK_MAX_WATCHES|FEEDBACK_MAX_WATCHES[\s\S]*FEEDBACK_INTERVAL_MS/);
    }
  });
});
