// The stepped release (baseline + canary, weight steps, analysis per interval) with fakes: a
// measurer returning scripted metrics, an orchestrator recording calls, a clock that jumps.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.ts';
import type { MetricInput } from '../analysis/index.ts';
import { createReleaseController, ReleaseError } from '../controller.ts';
import type { FeedbackWindow } from '../online/feedback-loop.ts';
import type { IntervalMeasurement, IntervalMeasurer } from '../measure/types.ts';
import type { RolloutPlan } from '../rollout.ts';
import { fileStateStore, memoryStateStore, type StateStore } from '../state.ts';
import { captureNotifier, fakeClock, fakeOrchestrator } from './fakes.ts';

const INTERVAL = 10_000;
const PLAN: RolloutPlan = { steps: [5, 20, 50, 100], intervalMs: INTERVAL, limits: { intervals: 2 } };
const BOUNDS = [50, 100, 250, 500, Infinity];
const SAME = [200, 600, 150, 40, 10];
const SLOWER = [20, 200, 500, 200, 80];

type Script = { canaryRequests?: number; watch?: [number, number]; canaryLatency?: number[] };

/** One interval's metrics: latency buckets and watch-through, canary vs a baseline at 25 % of 2000. */
function measurement(s: Script = {}): IntervalMeasurement {
  const canaryRequests = s.canaryRequests ?? 1000;
  const [events, total] = s.watch ?? [560, 2000];
  const metrics: MetricInput[] = [
    { kind: 'latency', spec: { name: 'latency', unit: 'ms' }, data: { histogram: { upperBounds: BOUNDS, baseline: SAME, canary: canaryRequests ? (s.canaryLatency ?? SAME) : BOUNDS.map(() => 0) } } },
    {
      kind: 'proportion',
      spec: { name: 'watch-through', harmful: 'decrease', minimalDetectableEffect: { kind: 'absolute', value: 0.05 } },
      data: { baseline: { events: 500, total: 2000 }, canary: canaryRequests ? { events, total } : { events: 0, total: 0 } },
    },
  ];
  return { metrics, canaryAvgLatencyMs: canaryRequests ? 80 : null, canaryRequests, baselineRequests: 1000 };
}

function scriptedMeasurer(script: (call: number) => Script | Error) {
  const calls: Array<{ fromMs: number; toMs: number }> = [];
  const measurer: IntervalMeasurer = {
    async measure(o) {
      calls.push({ fromMs: o.fromMs, toMs: o.toMs });
      const s = script(calls.length);
      if (s instanceof Error) throw s;
      return measurement(s);
    },
  };
  return { measurer, calls };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(
  script: (call: number) => Script | Error,
  store: StateStore = memoryStateStore(),
  reportsDir?: string,
  feedback?: (fromMs: number, toMs: number) => Promise<FeedbackWindow[]>,
) {
  const dir = reportsDir ?? mkdtempSync(join(tmpdir(), 'stepped-'));
  if (!reportsDir) dirs.push(dir);
  const orch = fakeOrchestrator('v1');
  const m = scriptedMeasurer(script);
  const clock = fakeClock();
  const notes = captureNotifier();
  const logs: string[] = [];
  const controller = createReleaseController({
    orchestrator: orch.o,
    notifier: notes.notifier,
    store,
    measurer: m.measurer,
    rollout: PLAN,
    reportsDir: dir,
    scrapeIntervalMs: 1000,
    logger: createLogger('test', { write: (l) => void logs.push(l) }),
    clock: clock.clock,
    feedback,
  });
  return { controller, orch, m, clock, notes, store, dir, logs };
}

const weightCalls = (calls: string[]) => calls.filter((c) => c.startsWith('setWeights')).map((c) => c.split(' ')[1]);

describe('stepped release controller', () => {
  it('promotes a better model through every step: baseline beside the canary, equal weights', async () => {
    const t = setup(() => ({ watch: [640, 2000] }));
    const s = await t.controller.start('v2', 0 + INTERVAL);
    expect(s).toMatchObject({ phase: 'done', outcome: 'promoted', decision: { verdict: 'pass', by: 'judge' } });
    expect(t.orch.calls.slice(0, 2)).toEqual(['deployCanary v2', 'deployBaseline v1']);
    expect(weightCalls(t.orch.calls)).toEqual(['90/5/5', '60/20/20', '0/50/50', '100/0/0']);
    expect(t.orch.calls.slice(-3)).toEqual(['promote v2', 'setWeights 100/0/0', 'removeTrial ']);
    expect(t.m.calls).toHaveLength(6); // 3 steps × 2 intervals
    // Intervals follow each other without gaps: each starts where the previous ended.
    expect(t.m.calls[1].fromMs).toBe(t.m.calls[0].toMs);
    expect(s.rollout?.intervals.map((i) => i.decision)).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'pass']);
    const md = readFileSync(join(s.reportDir!, 'report.md'), 'utf8');
    expect(md).toContain('decision: **pass (judge)**');
    expect(md).toContain('| watch-through | two-proportion-z | **pass** | 2000 / 2000');
    expect(md).toMatch(/## Step 3: canary 50 % \(stable 0 \/ baseline 50 \/ canary 50\) — succeeded/);
    expect(readdirSync(s.reportDir!).sort()).toEqual(['report.md', 'step-1-latency.svg', 'step-2-latency.svg', 'step-3-latency.svg', 'watch-through.svg']);
    expect(t.notes.sent.map((n) => n.subject)).toEqual(['[marquee] release v2 promoted']);
  });

  it("draws the feedback loop the worker exported over the release in the report, and goes on without it", async () => {
    const asked: Array<[number, number]> = [];
    const window = (version: string, windowStart: number, share: number): FeedbackWindow => ({ version, windowStart, watches: 100, followed: share * 100, share, gini: 0.4, movies: 30 });
    const t = setup(() => ({ watch: [640, 2000] }), memoryStateStore(), undefined, async (fromMs, toMs) => {
      asked.push([fromMs, toMs]);
      if (asked.length === 2) throw new Error('prometheus down');
      return [window('v1', 0, 0.2), window('v2', 0, 0.3)];
    });
    const s = await t.controller.start('v2', INTERVAL);
    expect(s).toMatchObject({ phase: 'done', outcome: 'promoted' });
    expect(asked.length).toBeGreaterThanOrEqual(6);
    expect(asked.every(([from, to]) => from === Date.parse(s.startedAt) && to >= from)).toBe(true);
    const md = readFileSync(join(s.reportDir!, 'report.md'), 'utf8');
    expect(md).toContain('## Feedback loop');
    expect(md).toContain('| v2 | 100 | 30 | 0.3 | 0.4 | 30 |');
    expect(readdirSync(s.reportDir!)).toContain('feedback-share.svg');
    expect(t.logs.join('\n')).toContain('feedback-loop figures unavailable for the report');
  });

  it('rolls a worse model (watch-through failing) back at the first failing step, its latency passing', async () => {
    const t = setup((call) => (call <= 2 ? { watch: [520, 2000] } : { watch: [300, 2000] }));
    const s = await t.controller.start('v2', INTERVAL);
    expect(s).toMatchObject({ outcome: 'aborted', decision: { verdict: 'fail' } });
    expect(s.decision?.reasons[0]).toMatch(/^step 2 \(20 %\) failed: 2 failing intervals in a row/);
    expect(weightCalls(t.orch.calls)).toEqual(['90/5/5', '60/20/20', '100/0/0']);
    expect(t.orch.calls.slice(-2)).toEqual(['setWeights 100/0/0', 'removeTrial ']);
    expect(t.orch.calls).not.toContain('promote v2');
    const failing = s.rollout!.intervals.at(-1)!;
    expect(failing.verdicts.find((v) => v.metric === 'latency')?.verdict).toBe('pass');
    expect(failing.verdicts.find((v) => v.metric === 'watch-through')?.verdict).toBe('fail');
  });

  it('a canary without traffic is inconclusive: paused and notified, never promoted', async () => {
    const t = setup(() => ({ canaryRequests: 0 }));
    const s = await t.controller.start('v2', INTERVAL);
    expect(s.phase).toBe('paused');
    expect(s.outcome).toBeNull();
    expect(s.decision).toMatchObject({ verdict: 'inconclusive' });
    expect(s.rollout?.run.reason).toMatch(/no traffic in 2 intervals/);
    expect(s.rollout?.intervals.map((i) => i.kind)).toEqual(['idle', 'idle']);
    expect(t.orch.calls).not.toContain('promote v2');
    expect(t.notes.sent.map((n) => n.subject)).toEqual(['[marquee] release v2 PAUSED']);
    // Resumed without traffic still: paused again, never promoted.
    expect((await t.controller.resume()).phase).toBe('paused');
  });

  it('--resume at a paused step analyses further and can promote; --abort rolls back; --promote promotes', async () => {
    let traffic = 0;
    const t = setup(() => ({ canaryRequests: traffic }));
    await t.controller.start('v2', INTERVAL);
    traffic = 1000;
    const resumed = await t.controller.resume();
    expect(resumed.outcome).toBe('promoted');

    const a = setup(() => ({ canaryRequests: 0 }));
    await a.controller.start('v2', INTERVAL);
    const aborted = await a.controller.abort('looks wrong');
    expect(aborted).toMatchObject({ outcome: 'aborted', decision: { by: 'operator', reasons: ['looks wrong'] } });
    expect(a.orch.calls.slice(-2)).toEqual(['setWeights 100/0/0', 'removeTrial ']);
    expect(readFileSync(join(aborted.reportDir!, 'report.md'), 'utf8')).toContain('decision: **fail (operator)**');

    const p = setup(() => ({ canaryRequests: 0 }));
    await p.controller.start('v2', INTERVAL);
    expect((await p.controller.promote()).outcome).toBe('promoted');
    expect(p.orch.calls.slice(-3)).toEqual(['promote v2', 'setWeights 100/0/0', 'removeTrial ']);
  });

  it('an operator aborts a running step from another invocation: the driving controller steps aside', async () => {
    const t = setup(() => ({}));
    const other = setup(() => ({}), t.store);
    t.clock.onSleep = (n) => {
      if (n === 3) void other.controller.abort('stop it');
    };
    await t.controller.start('v2', INTERVAL);
    await new Promise((r) => setTimeout(r, 10));
    expect(t.orch.calls).not.toContain('promote v2');
    expect(t.store.load()).toMatchObject({ outcome: 'aborted', decision: { by: 'operator' } });
  });

  it('a controller killed mid-step resumes: weights re-applied, only the remaining intervals measured', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stepped-kill-'));
    dirs.push(dir);
    const path = join(dir, 'state.json');
    const first = setup(() => ({}), fileStateStore(path), dir);
    // Killed during the second step's first interval (its wait).
    first.clock.onSleep = () => {
      const r = first.store.load()?.rollout;
      if (r && r.stepIndex === 1 && r.weights) throw new Error('SIGKILL');
    };
    await expect(first.controller.start('v2', INTERVAL)).rejects.toThrow(ReleaseError);
    expect(first.m.calls).toHaveLength(2);
    const saved = first.store.load()!;
    expect(saved).toMatchObject({ phase: 'stepping', rollout: { stepIndex: 1, weights: { canary: 20 } } });

    const second = setup(() => ({}), fileStateStore(path), dir);
    second.clock.t = first.clock.t;
    const s = await second.controller.resume();
    expect(s.outcome).toBe('promoted');
    expect(weightCalls(second.orch.calls)).toEqual(['60/20/20', '0/50/50', '100/0/0']);
    expect(second.m.calls).toHaveLength(4); // step 2's two and step 3's two; step 1 not again
    expect(second.orch.calls).not.toContain('deployCanary v2');
  });

  it('consecutive failing intervals fail the step (the run limit), a pass in between resets the count', async () => {
    const worse = { canaryLatency: SLOWER, watch: [380, 2000] as [number, number] };
    const t = setup((call) => (call === 1 ? worse : call === 2 ? {} : worse));
    const plan3 = { ...PLAN, limits: { intervals: 4, consecutiveFailureLimit: 2 } };
    const c = createReleaseController({ orchestrator: t.orch.o, notifier: t.notes.notifier, store: t.store, measurer: t.m.measurer, rollout: plan3, reportsDir: t.dir, scrapeIntervalMs: 1000, logger: createLogger('test', { write: () => {} }), clock: t.clock.clock });
    const s = await c.start('v2', INTERVAL);
    expect(s.rollout?.intervals.map((i) => i.decision)).toEqual(['fail', 'pass', 'fail', 'fail']);
    expect(s.decision?.reasons[0]).toMatch(/2 failing intervals in a row \(limit 2\)/);
    expect(s.outcome).toBe('aborted');
  });

  it('measurement errors count against the error limit and never pass', async () => {
    const t = setup(() => new Error('Prometheus down'));
    const s = await t.controller.start('v2', INTERVAL);
    expect(s.outcome).toBe('aborted');
    expect(s.rollout?.intervals.every((i) => i.kind === 'error')).toBe(true);
    expect(s.decision?.reasons[0]).toMatch(/measurement errors|errored/);
  });
});
