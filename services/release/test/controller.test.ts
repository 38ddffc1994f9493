import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import { createReleaseController, ModelRefusedError, ReleaseError, windowSpan, type ControllerDeps } from '../controller.ts';
import { DEFAULT_THRESHOLDS, thresholdJudge } from '../judge.ts';
import { fileStateStore, memoryStateStore, type ReleaseState, type StateStore } from '../state.ts';
import { captureNotifier, fakeClock, fakeOrchestrator, fakePrometheus, type TrackFigures } from './fakes.ts';

const WINDOW = 30_000;
const SCRAPE = 1000;
const fast: TrackFigures = { avgSec: 0.05, requests: 400, errors: 0 };
const slow: TrackFigures = { avgSec: 0.72, requests: 400, errors: 0 };
const none: TrackFigures = { avgSec: null, requests: 0, errors: 0 };

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(
  canary: TrackFigures,
  opts: { store?: StateStore; stable?: string; canaryVersion?: string; checkModel?: ControllerDeps['checkModel'] } = {},
) {
  const reportsDir = mkdtempSync(join(tmpdir(), 'release-reports-'));
  dirs.push(reportsDir);
  const orch = fakeOrchestrator(opts.stable ?? 'v1', opts.canaryVersion);
  const prom = fakePrometheus({ canary, stable: fast });
  const clock = fakeClock();
  const notes = captureNotifier();
  const store = opts.store ?? memoryStateStore();
  const logs: string[] = [];
  const deps: ControllerDeps = {
    orchestrator: orch.o,
    prometheus: prom.client,
    notifier: notes.notifier,
    store,
    judge: thresholdJudge(DEFAULT_THRESHOLDS),
    thresholds: DEFAULT_THRESHOLDS,
    reportsDir,
    scrapeIntervalMs: SCRAPE,
    logger: createLogger('test', { write: (l) => void logs.push(l) }),
    clock: clock.clock,
    checkModel: opts.checkModel,
  };
  return { controller: createReleaseController(deps), orch, prom, clock, notes, store, logs, reportsDir };
}

/** A release state as a controller that died in `phase` would have left it. */
function diedIn(phase: ReleaseState['phase'], observeStartedAt: string | null): ReleaseState {
  return {
    id: '20261127T095900Z-v2',
    version: 'v2',
    stableVersion: 'v1',
    phase,
    startedAt: '2026-11-27T09:59:00.000Z',
    windowMs: WINDOW,
    observeStartedAt,
    decision: null,
    outcome: null,
    lastError: null,
    reportDir: null,
    rollout: null,
    finishedAt: null,
    updatedAt: '2026-11-27T09:59:50.000Z',
  };
}

describe('release controller', () => {
  it('promotes a healthy canary after the window, saving every phase', async () => {
    const t = setup(fast);
    const s = await t.controller.start('v2', WINDOW);
    expect(t.orch.calls).toEqual(['deployCanary v2', 'promote v2']);
    expect(s).toMatchObject({ phase: 'done', outcome: 'promoted', version: 'v2', stableVersion: 'v1' });
    expect(s.decision).toMatchObject({ verdict: 'pass', by: 'judge', canary: { avgLatencyMs: 50, errorRate: 0, requests: 400 } });
    const phases = (t.store as ReturnType<typeof memoryStateStore>).saves.map((x) => x.phase);
    expect(phases).toEqual(['deploying', 'observing', 'judging', 'promoting', 'done']);
    // The whole window (plus one scrape interval) is waited out, in progress-sized steps.
    expect(t.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(WINDOW + SCRAPE);
    expect(t.clock.sleeps.length).toBeGreaterThan(5);
    expect(t.logs.filter((l) => l.includes('observing v2:')).length).toBe(t.clock.sleeps.length);
  });

  it('measures exactly the window that followed the canary deployment', async () => {
    const t = setup(fast);
    const s = await t.controller.start('v2', WINDOW);
    const end = (Date.parse(s.observeStartedAt!) + WINDOW) / 1000;
    const judged = t.prom.queries.filter((q) => q.at === end);
    expect(judged.map((q) => q.promql)).toContain(
      'sum(increase(http_request_duration_seconds_sum{track="canary",route="/recommend/:userId",status_code="200"}[30s])) / ' +
        'sum(increase(http_request_duration_seconds_count{track="canary",route="/recommend/:userId",status_code="200"}[30s]))',
    );
  });

  it('never judges a second before the window: samples of the canary starting up stay out', async () => {
    const t = setup(fast);
    t.clock.t += 400; // the deployment ended at .400 s
    const s = await t.controller.start('v2', WINDOW);
    const start = Date.parse(s.observeStartedAt!);
    const judged = t.prom.queries.filter((q) => q.promql.includes('status_code=~"5.."') && q.promql.includes('track="canary"'));
    // whole seconds from the first one after the start to the last one inside the window: 29 s
    expect(judged.at(-1)).toEqual({ promql: expect.stringContaining('[29s]'), at: Math.floor((start + WINDOW) / 1000) });
    expect(judged.at(-1)!.at - 29).toBeGreaterThanOrEqual(start / 1000);
  });

  it('windowSpan: whole seconds inside [start, end]', () => {
    expect(windowSpan(10_000, 40_000)).toEqual({ endSec: 40, windowMs: 30_000 });
    expect(windowSpan(10_400, 40_400)).toEqual({ endSec: 40, windowMs: 29_000 });
    expect(windowSpan(10_999, 11_500)).toEqual({ endSec: 11, windowMs: 0 });
  });

  it('counts server failures only: a 4xx is not a canary error', async () => {
    const t = setup(fast);
    await t.controller.start('v2', WINDOW);
    const errors = t.prom.queries.filter((q) => q.promql.includes('status_code') && !q.promql.includes('_sum'));
    expect(errors.length).toBeGreaterThan(0);
    for (const q of errors) expect(q.promql).toContain('status_code=~"5.."');
  });

  it('notifies the promotion with the measured figures and writes the report', async () => {
    const t = setup(fast);
    const s = await t.controller.start('v2', WINDOW);
    expect(t.notes.sent).toHaveLength(1);
    const n = t.notes.sent[0];
    expect(n.level).toBe('success');
    expect(n.subject).toContain('v2 promoted');
    expect(n.fields).toMatchObject({ 'canary avg latency': '50.0 ms', 'canary error rate': '0.00%', 'canary requests': '400', stable: 'v1' });
    expect(s.reportDir).toBe(join(t.reportsDir, s.id));
    const md = readFileSync(join(s.reportDir!, 'report.md'), 'utf8');
    expect(md).toContain('verdict: **pass**');
    expect(md).toContain('| canary | 50.0 ms | 0.00% | 400 |');
    expect(readFileSync(join(s.reportDir!, 'latency.svg'), 'utf8')).toMatch(/^<svg[\s\S]*canary \(v2\)[\s\S]*<path d="M/);
  });

  it('rolls a slow canary back and alerts with the reason', async () => {
    const t = setup(slow);
    const s = await t.controller.start('v2', WINDOW);
    expect(t.orch.calls).toEqual(['deployCanary v2', 'rollbackCanary v1']);
    expect(s).toMatchObject({ phase: 'done', outcome: 'aborted' });
    expect(t.orch.state).toEqual({ stable: 'v1', canary: 'v1' });
    expect(t.notes.sent).toHaveLength(1);
    expect(t.notes.sent[0].level).toBe('failure');
    expect(t.notes.sent[0].text).toContain('average latency 720 ms >= limit 500 ms');
  });

  it('never promotes without data: inconclusive aborts', async () => {
    const t = setup(none);
    const s = await t.controller.start('v2', WINDOW);
    expect(t.orch.calls).toEqual(['deployCanary v2', 'rollbackCanary v1']);
    expect(s.decision?.verdict).toBe('inconclusive');
    expect(s.outcome).toBe('aborted');
    expect(t.notes.sent[0].subject).toContain('aborted (inconclusive)');
  });

  it('resumes a release that died while observing, waiting only for what is left of the window', async () => {
    const t = setup(fast);
    const observeStartedAt = new Date(t.clock.t - 20_000).toISOString();
    t.store.save(diedIn('observing', observeStartedAt));
    const s = await t.controller.resume();
    expect(t.orch.calls).toEqual(['promote v2']);
    expect(t.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(10_000 + SCRAPE);
    expect(s.outcome).toBe('promoted');
    expect(t.logs.some((l) => l.includes('resuming observation'))).toBe(true);
  });

  it('judges at once when the controller comes back after the window ended', async () => {
    const t = setup(slow);
    t.store.save(diedIn('observing', new Date(t.clock.t - 3_600_000).toISOString()));
    const s = await t.controller.resume();
    expect(t.clock.sleeps).toEqual([]);
    expect(t.orch.calls).toEqual(['rollbackCanary v1']);
    expect(s.outcome).toBe('aborted');
  });

  it('re-runs an interrupted orchestrator step on resume', async () => {
    for (const [phase, call] of [['deploying', 'deployCanary v2'], ['promoting', 'promote v2'], ['rolling-back', 'rollbackCanary v1']] as const) {
      const t = setup(fast);
      t.store.save(diedIn(phase, phase === 'deploying' ? null : new Date(t.clock.t - 40_000).toISOString()));
      const s = await t.controller.resume();
      expect(t.orch.calls[0]).toBe(call);
      expect(s.phase).toBe('done');
    }
  });

  it('start() with the same version resumes; with another version refuses', async () => {
    const t = setup(fast);
    t.store.save(diedIn('observing', new Date(t.clock.t - 40_000).toISOString()));
    await expect(t.controller.start('v3', WINDOW)).rejects.toThrow(/still observing.*--resume/);
    expect(t.orch.calls).toEqual([]);
    const s = await t.controller.start('v2', WINDOW);
    expect(s.outcome).toBe('promoted');
    expect(t.orch.calls).toEqual(['promote v2']);
  });

  it('keeps the phase, records the error and alerts when a step fails; a re-run finishes', async () => {
    const t = setup(fast);
    t.orch.failNext.push('deployCanary');
    await expect(t.controller.start('v2', WINDOW)).rejects.toThrow(ReleaseError);
    const after = t.controller.status()!;
    expect(after).toMatchObject({ phase: 'deploying', outcome: null, lastError: { phase: 'deploying', message: 'deployCanary broke' } });
    expect(t.notes.sent.map((n) => [n.level, n.subject])).toEqual([['failure', '[marquee] release v2 FAILED while deploying']]);
    const s = await t.controller.start('v2', WINDOW);
    expect(s).toMatchObject({ outcome: 'promoted', lastError: null });
    expect(t.orch.calls).toEqual(['deployCanary v2', 'deployCanary v2', 'promote v2']);
  });

  it('a failed promotion can be resumed to completion', async () => {
    const t = setup(fast);
    t.orch.failNext.push('promote');
    await expect(t.controller.start('v2', WINDOW)).rejects.toThrow(/failed while promoting: promote broke/);
    expect(t.controller.status()?.phase).toBe('promoting');
    const s = await t.controller.resume();
    expect(s.outcome).toBe('promoted');
    expect(t.orch.state).toEqual({ stable: 'v2', canary: 'v2' });
  });

  it('operator abort rolls the canary back, with the figures so far', async () => {
    const t = setup(fast);
    t.store.save(diedIn('observing', new Date(t.clock.t - 10_000).toISOString()));
    const s = await t.controller.abort('bad reviews');
    expect(t.orch.calls).toEqual(['rollbackCanary v1']);
    expect(s).toMatchObject({ outcome: 'aborted', decision: { by: 'operator', verdict: 'fail', reasons: ['bad reviews'] } });
    expect(s.decision?.canary?.requests).toBe(400);
    expect(t.prom.queries.some((q) => q.promql.includes('[10s]'))).toBe(true);
    expect(t.notes.sent[0].text).toContain('rolled back by an operator');
  });

  it('operator promote promotes without waiting for the window', async () => {
    const t = setup(slow);
    t.store.save(diedIn('observing', new Date(t.clock.t - 5_000).toISOString()));
    const s = await t.controller.promote();
    expect(t.clock.sleeps).toEqual([]);
    expect(t.orch.calls).toEqual(['promote v2']);
    expect(s).toMatchObject({ outcome: 'promoted', decision: { by: 'operator', verdict: 'pass' } });
  });

  it('refuses contradicting operator decisions and decisions without a release', async () => {
    const t = setup(fast);
    await expect(t.controller.abort()).rejects.toThrow(/no release in progress/);
    t.store.save(diedIn('promoting', new Date(t.clock.t - 40_000).toISOString()));
    await expect(t.controller.abort()).rejects.toThrow(/already promoting; run --resume/);
    t.store.save(diedIn('rolling-back', new Date(t.clock.t - 40_000).toISOString()));
    await expect(t.controller.promote()).rejects.toThrow(/already rolling-back/);
    expect(t.orch.calls).toEqual([]);
  });

  it('stops observing when another invocation aborted the release meanwhile', async () => {
    const t = setup(fast);
    const other = setup(fast, { store: t.store });
    t.clock.onSleep = (n) => {
      if (n === 3) void other.controller.abort('changed my mind');
    };
    const s = await t.controller.start('v2', WINDOW);
    await sleep(10);
    expect(t.orch.calls).toEqual(['deployCanary v2']); // this controller neither promoted nor rolled back
    expect(other.orch.calls).toEqual(['rollbackCanary v1']);
    expect(t.store.load()?.outcome).toBe('aborted');
    expect(s.decision?.by).toBe('operator');
  });

  it('refuses a model that fails its check before anything: no orchestrator call, no state, an alert', async () => {
    const checked: string[] = [];
    const t = setup(fast, {
      checkModel: async (v) => {
        checked.push(v);
        throw new Error(`${v}/model.bin has md5 aaa but the manifest says bbb: the file was altered`);
      },
    });
    const err = await t.controller.start('v2', WINDOW).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelRefusedError);
    expect(err).toBeInstanceOf(ReleaseError);
    expect((err as Error).message).toBe('release of v2 refused, nothing was changed: v2/model.bin has md5 aaa but the manifest says bbb: the file was altered');
    expect(checked).toEqual(['v2']);
    expect(t.orch.calls).toEqual([]);
    expect(t.orch.reads.current).toBe(0);
    expect(t.store.load()).toBeNull();
    expect(t.notes.sent.map((n) => [n.level, n.subject])).toEqual([['failure', '[marquee] release v2 REFUSED']]);
    expect(t.notes.sent[0].text).toContain('md5 aaa');
  });

  it('checks the model again before each step that deploys it (resume, operator promote)', async () => {
    let broken = false;
    const checked: string[] = [];
    const t = setup(fast, {
      checkModel: async (v) => {
        checked.push(v);
        if (broken) throw new Error('model.bin is missing');
      },
    });
    t.store.save(diedIn('observing', new Date(t.clock.t - 5_000).toISOString()));
    broken = true;
    await expect(t.controller.promote()).rejects.toThrow(/failed while promoting: model\.bin is missing/);
    expect(t.orch.calls).toEqual([]); // the stables were not touched
    expect(t.controller.status()).toMatchObject({ phase: 'promoting', lastError: { phase: 'promoting' } });
    broken = false;
    expect((await t.controller.resume()).outcome).toBe('promoted');
    expect(t.orch.calls).toEqual(['promote v2']);
    expect(t.orch.state).toEqual({ stable: 'v2', canary: 'v2' });

    const d = setup(fast, { checkModel: async (v) => void checked.push(`deploy ${v}`) });
    d.store.save(diedIn('deploying', null));
    await d.controller.resume();
    expect(checked).toContain('deploy v2');
    expect(d.orch.calls).toEqual(['deployCanary v2', 'promote v2']);
  });

  it('refuses to release the version that is already stable', async () => {
    const t = setup(fast, { stable: 'v2' });
    await expect(t.controller.start('v2', WINDOW)).rejects.toThrow(/already serves as the stable/);
  });

  it('a broken notifier does not undo a finished release', async () => {
    const t = setup(fast);
    const c = createReleaseController({
      orchestrator: t.orch.o,
      prometheus: t.prom.client,
      notifier: { notify: async () => Promise.reject(new Error('smtp down')) },
      store: t.store,
      judge: thresholdJudge(DEFAULT_THRESHOLDS),
      reportsDir: t.reportsDir,
      scrapeIntervalMs: SCRAPE,
      logger: createLogger('test', { write: (l) => void t.logs.push(l) }),
      clock: t.clock.clock,
    });
    const s = await c.start('v2', WINDOW);
    expect(s.outcome).toBe('promoted');
    expect(t.logs.some((l) => l.includes('notification failed') && l.includes('smtp down'))).toBe(true);
  });

  it('persists to a JSON file that a new controller picks up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-state-'));
    dirs.push(dir);
    const path = join(dir, 'state.json');
    const first = setup(fast, { store: fileStateStore(path) });
    first.orch.failNext.push('promote');
    await expect(first.controller.start('v2', WINDOW)).rejects.toThrow();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ phase: 'promoting', version: 'v2' });
    const second = setup(fast, { store: fileStateStore(path) });
    expect((await second.controller.resume()).outcome).toBe('promoted');
    expect(second.orch.calls).toEqual(['promote v2']);
  });

  it('a malformed state file is a clear error, not a fresh start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'release-state-'));
    dirs.push(dir);
    const path = join(dir, 'state.json');
    const store = fileStateStore(path);
    expect(store.load()).toBeNull();
    expect(existsSync(path)).toBe(false);
    writeFileSync(path, '{"phase":"observing"');
    expect(() => store.load()).toThrow(/not valid JSON/);
    writeFileSync(path, '{"phase":"sleeping"}');
    expect(() => store.load()).toThrow(/malformed: .*phase/);
  });
});
