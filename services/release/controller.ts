// The canary release as a resumable state machine. Stepped (with a measurer, issue 10):
//   deploying (canary + baseline) → stepping (rollout.ts: weights, intervals, analysis per step;
//   ⇄ paused for an operator) → promoting | rolling-back → done
// Single-window (without a measurer, the threshold judge):
//   deploying → observing (the window) → judging → promoting | rolling-back → done
// Every phase change is saved before the next step starts, so a re-run continues where a dead
// controller stopped: it re-does an interrupted (idempotent) orchestrator step, or observes for
// what is left of the window. Operators can cut a release short with abort / promote.
import { setTimeout as sleep } from 'node:timers/promises';
import { MarqueeError, type ErrorCode, type MarqueeErrorOptions } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { measureTrack, measureWindow, type Measurements } from './canary-metrics.ts';
import { formatDuration } from './duration.ts';
import type { Judge, Thresholds, Verdict } from './judge.ts';
import { failureMessage, outcomeMessage, refusedMessage, type ReleaseMessage, type ReleaseNotifier } from './messages.ts';
import type { IntervalMeasurer } from './measure/types.ts';
import type { Orchestrator } from './orchestrator.ts';
import type { PrometheusClient } from './prometheus-client.ts';
import type { FeedbackWindow } from './online/feedback-loop.ts';
import { writeReport, writeRolloutReport } from './report.ts';
import { advance, nextAction, startRollout, STABLE_ONLY, type RolloutPlan, type RolloutState } from './rollout.ts';
import type { Phase, ReleaseState, StateStore } from './state.ts';
import { pausedMessage } from './messages.ts';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
};

export interface ControllerDeps {
  orchestrator: Orchestrator;
  /** The single-window release's measurements (not needed by a stepped one). */
  prometheus?: PrometheusClient;
  notifier: ReleaseNotifier;
  store: StateStore;
  /** The single-window release's judge. */
  judge?: Judge;
  /** With both: a stepped release (baseline + canary, weight steps, analysis per interval). */
  measurer?: IntervalMeasurer;
  rollout?: RolloutPlan;
  /**
   * The feedback-loop windows between two times (the pipeline worker's gauges, read back from
   * Prometheus: online/feedback-from-prometheus.ts), drawn in a stepped release's report.
   */
  feedback?: (fromMs: number, toMs: number) => Promise<FeedbackWindow[]>;
  /** Shown in the report next to the verdict. */
  thresholds?: Thresholds;
  reportsDir: string;
  /** Prometheus' scrape interval: the wait after the window for its last samples, and the chart's resolution. */
  scrapeIntervalMs: number;
  logger: Logger;
  clock?: Clock;
  /** How often progress is printed while observing; default window/20 within [1s, 10min]. */
  progressEveryMs?: number;
  /** Throws when model `version` must not be released (missing, altered: model-check.ts). Asked
   * before a release changes anything, and again before each step that deploys that version. */
  checkModel?: (version: string) => Promise<unknown>;
}

export class ReleaseError extends MarqueeError {
  constructor(message: string, options?: MarqueeErrorOptions, code: ErrorCode = 'RELEASE_FAILED') {
    super(code, message, options);
  }
}

/** The model failed its check before the release started: nothing was changed or recorded. */
export class ModelRefusedError extends ReleaseError {
  constructor(message: string, options?: MarqueeErrorOptions) {
    super(message, options, 'MODEL_CHECK');
  }
}

export interface ReleaseController {
  /** Starts a release of `version`, or resumes the unfinished release of that same version. */
  start(version: string, windowMs: number): Promise<ReleaseState>;
  /** Continues the unfinished release from its saved phase (a paused step: analysis goes on). */
  resume(): Promise<ReleaseState>;
  /** Rolls the canary back now (operator decision). */
  abort(reason?: string): Promise<ReleaseState>;
  /** Promotes the canary now, without waiting for the rest of the window (operator decision). */
  promote(reason?: string): Promise<ReleaseState>;
  status(): ReleaseState | null;
}

/**
 * The whole seconds of [startMs, endMs] that PromQL can select (its ranges are whole seconds back
 * from an evaluation time): never a second before `startMs`, so samples scraped while the canary
 * was still starting (answering 503 until its model was loaded) stay out of the judged window.
 */
export function windowSpan(startMs: number, endMs: number): { endSec: number; windowMs: number } {
  const endSec = Math.floor(endMs / 1000);
  return { endSec, windowMs: Math.max(0, endSec - Math.ceil(startMs / 1000)) * 1000 };
}

export function createReleaseController(deps: ControllerDeps): ReleaseController {
  const clock = deps.clock ?? systemClock;
  const log = deps.logger;
  const iso = () => new Date(clock.now()).toISOString();
  const stepped = deps.measurer && deps.rollout ? { measurer: deps.measurer, plan: deps.rollout } : null;
  const prometheus = (): PrometheusClient => {
    if (!deps.prometheus) throw new ReleaseError('a single-window release needs Prometheus (ControllerDeps.prometheus)');
    return deps.prometheus;
  };

  function save(s: ReleaseState, changes: Partial<ReleaseState>): ReleaseState {
    const next = { ...s, ...changes, updatedAt: iso() };
    deps.store.save(next);
    return next;
  }

  function unfinished(): ReleaseState | null {
    const s = deps.store.load();
    return s && s.phase !== 'done' ? s : null;
  }

  async function tell(message: ReleaseMessage): Promise<void> {
    try {
      await deps.notifier.notify(message);
    } catch (err) {
      // A lost alert must not undo a finished promotion or rollback; it is logged loudly instead.
      log.error('notification failed', { subject: message.subject, error: err });
    }
  }

  function measurable(s: ReleaseState, endMs: number): { endSec: number; windowMs: number } | null {
    if (!s.observeStartedAt) return null;
    const span = windowSpan(Math.max(Date.parse(s.observeStartedAt), endMs - s.windowMs), endMs);
    return span.windowMs >= 1000 ? span : null;
  }

  function record(s: ReleaseState, verdict: Verdict, by: 'judge' | 'operator', m: Measurements | null, windowMs: number) {
    const reportDir = m
      ? writeReport(deps.reportsDir, {
          id: s.id,
          version: s.version,
          stableVersion: s.stableVersion,
          windowMs,
          measurements: m,
          verdict,
          thresholds: deps.thresholds,
        })
      : s.reportDir;
    const decision = { ...verdict, by, at: iso(), canary: m?.canary ?? null, stable: m?.stable ?? null };
    return { decision, reportDir: s.rollout ? reportOf({ ...s, decision }, s.rollout) : reportDir };
  }

  /** Sleeps out the window with progress lines; false when another invocation took the release over. */
  async function observe(s: ReleaseState): Promise<boolean> {
    const start = Date.parse(s.observeStartedAt ?? iso());
    const end = start + s.windowMs;
    const until = end + deps.scrapeIntervalMs; // let Prometheus scrape the window's last seconds
    const every = deps.progressEveryMs ?? Math.min(600_000, Math.max(1000, s.windowMs / 20));
    if (clock.now() > start + 1000) log.info('resuming observation', { remaining: formatDuration(Math.max(0, end - clock.now())) });
    while (clock.now() < until) {
      const latest = deps.store.load();
      if (!latest || latest.id !== s.id || latest.phase !== 'observing') return false;
      const elapsed = Math.min(s.windowMs, clock.now() - start);
      let seen: string;
      try {
        const so = await measureTrack(prometheus(), 'canary', Math.floor(clock.now() / 1000), Math.max(1000, elapsed));
        seen = ` canary so far: ${Math.round(so.requests)} requests, avg ${so.avgLatencyMs === null ? 'n/a' : `${so.avgLatencyMs.toFixed(1)} ms`}`;
      } catch {
        seen = ' (Prometheus not answering yet)';
      }
      log.info(
        `observing ${s.version}: ${formatDuration(elapsed)} / ${formatDuration(s.windowMs)} ` +
          `(${Math.floor((100 * elapsed) / s.windowMs)}%)${seen}`,
      );
      await clock.sleep(Math.max(1, Math.min(every, until - clock.now())));
    }
    return true;
  }

  /** After a restart the step's weights are applied again (idempotent): NGINX may have lost them. */
  function reapplying(s: ReleaseState): ReleaseState {
    return s.rollout && s.phase === 'stepping' ? { ...s, rollout: { ...s.rollout, weights: null } } : s;
  }

  /** All traffic back on the stables, then the canary and the baseline go. */
  async function endTrial(): Promise<void> {
    await deps.orchestrator.setWeights(STABLE_ONLY);
    await deps.orchestrator.removeTrial();
  }

  /** Still ours: no other invocation decided (--abort / --promote) or took over meanwhile. */
  function stillStepping(s: ReleaseState): boolean {
    const latest = deps.store.load();
    return !!latest && latest.id === s.id && latest.phase === 'stepping';
  }

  /** Sleeps until `untilMs` in progress-sized steps; false when another invocation took over. */
  async function waitUntil(s: ReleaseState, untilMs: number, label: string): Promise<boolean> {
    const every = deps.progressEveryMs ?? Math.min(600_000, Math.max(1000, (s.rollout?.plan.intervalMs ?? 20_000) / 4));
    while (clock.now() < untilMs) {
      if (!stillStepping(s)) return false;
      log.info(`${label}: ${formatDuration(Math.max(0, untilMs - clock.now()))} left`);
      await clock.sleep(Math.max(1, Math.min(every, untilMs - clock.now())));
    }
    return stillStepping(s);
  }

  /** The feedback-loop windows since the release started, as last read (refreshFeedback). */
  let feedback: FeedbackWindow[] = [];
  /** Reads them again; a report without them beats a release stopped for them. */
  async function refreshFeedback(s: ReleaseState): Promise<void> {
    if (!deps.feedback) return;
    try {
      feedback = await deps.feedback(Date.parse(s.startedAt), clock.now());
    } catch (err) {
      log.warn('feedback-loop figures unavailable for the report', { error: err });
    }
  }

  function reportOf(s: ReleaseState, r: RolloutState): string {
    return writeRolloutReport(deps.reportsDir, { id: s.id, version: s.version, stableVersion: s.stableVersion, rollout: r, decision: s.decision, feedback });
  }

  /** One action of the rollout (rollout.ts decides which), its result saved at once. */
  async function rolloutStep(s: ReleaseState): Promise<ReleaseState | null> {
    const r = s.rollout;
    if (!r || !stepped) throw new ReleaseError(`release ${s.id} is stepped but this controller has no measurer; run it with one`);
    const action = nextAction(r);
    const at = r.stepIndex < r.plan.steps.length ? `step ${r.stepIndex + 1}/${r.plan.steps.length} (${r.plan.steps[r.stepIndex]} %)` : 'last step done';
    switch (action.kind) {
      case 'set-weights': {
        log.info(`${at}: weights stable ${action.weights.stable} / baseline ${action.weights.baseline} / canary ${action.weights.canary}`);
        await deps.orchestrator.setWeights(action.weights);
        return save(s, { rollout: advance(r, { type: 'weights-set', weights: action.weights, atMs: clock.now() }), lastError: null });
      }
      case 'measure': {
        // Prometheus needs one more scrape to hold the interval's last seconds.
        if (!(await waitUntil(s, action.toMs + deps.scrapeIntervalMs, `${at}: interval ${r.run.intervals + 1}`))) return null;
        let next: RolloutState;
        try {
          const measurement = await stepped.measurer.measure({ fromMs: action.fromMs, toMs: action.toMs, baselineVersion: s.stableVersion, canaryVersion: s.version });
          next = advance(r, { type: 'measured', fromMs: action.fromMs, toMs: action.toMs, measurement });
        } catch (err) {
          log.warn(`${at}: measurement failed`, { error: err });
          next = advance(r, { type: 'measure-failed', fromMs: action.fromMs, toMs: action.toMs, error: (err as Error).message });
        }
        await refreshFeedback(s);
        if (!stillStepping(s)) return null;
        const last = next.intervals[next.intervals.length - 1];
        log.info(`${at}: interval ${last.kind} ${last.decision ?? ''} (canary ${Math.round(last.canaryRequests)} requests, baseline ${Math.round(last.baselineRequests)}): ${next.run.reason}`);
        return save(s, { rollout: next, reportDir: reportOf(s, next), lastError: null });
      }
      case 'pause': {
        await refreshFeedback(s);
        const decision = { verdict: 'inconclusive' as const, reasons: [action.reason], by: 'judge' as const, at: iso(), canary: null, stable: null };
        return save(s, { phase: 'paused', decision, reportDir: reportOf({ ...s, decision }, r), lastError: null });
      }
      case 'promote':
      case 'rollback': {
        await refreshFeedback(s);
        const verdict = action.kind === 'promote' ? ('pass' as const) : ('fail' as const);
        const decision = { verdict, reasons: [action.reason], by: 'judge' as const, at: iso(), canary: null, stable: null };
        log.info(`rollout ${verdict === 'pass' ? 'succeeded' : 'failed'}: ${action.reason}`);
        return save(s, {
          phase: verdict === 'pass' ? 'promoting' : 'rolling-back',
          decision,
          reportDir: reportOf({ ...s, decision }, r),
          lastError: null,
        });
      }
    }
  }

  async function step(s: ReleaseState): Promise<ReleaseState | null> {
    switch (s.phase) {
      case 'deploying':
        await deps.checkModel?.(s.version);
        log.info(`deploying canary ${s.version} (stables stay on ${s.stableVersion})`);
        await deps.orchestrator.deployCanary(s.version);
        if (s.rollout) {
          log.info(`starting a baseline replica on ${s.stableVersion}`);
          await deps.orchestrator.deployBaseline(s.stableVersion);
          return save(s, { phase: 'stepping', lastError: null });
        }
        return save(s, { phase: 'observing', observeStartedAt: iso(), lastError: null });
      case 'stepping':
        return rolloutStep(s);
      case 'paused':
        return s;
      case 'observing':
        log.info(`observing canary ${s.version} for ${formatDuration(s.windowMs)}`);
        if (!(await observe(s))) return null;
        return save(s, { phase: 'judging', lastError: null });
      case 'judging': {
        const start = Date.parse(s.observeStartedAt ?? s.startedAt);
        const { endSec, windowMs } = windowSpan(start, start + s.windowMs);
        const m = await measureWindow(prometheus(), endSec, windowMs, deps.scrapeIntervalMs);
        if (!deps.judge) throw new ReleaseError('a single-window release needs a judge (ControllerDeps.judge)');
        const verdict = deps.judge({ canary: m.canary, stable: m.stable, series: m.series });
        log.info(`verdict: ${verdict.verdict}`, { reasons: verdict.reasons.join('; ') });
        return save(s, {
          ...record(s, verdict, 'judge', m, windowMs),
          phase: verdict.verdict === 'pass' ? 'promoting' : 'rolling-back',
          lastError: null,
        });
      }
      case 'promoting':
        // Resumed or operator promotions come here too: the files may have changed since the canary started.
        await deps.checkModel?.(s.version);
        log.info(`promoting ${s.version} to the stables`);
        await deps.orchestrator.promote(s.version);
        if (s.rollout) await endTrial();
        return save(s, { phase: 'done', outcome: 'promoted', finishedAt: iso(), lastError: null });
      case 'rolling-back':
        if (s.rollout) {
          log.info(`rolling back: all traffic to the stables (${s.stableVersion})`);
          await endTrial();
        } else {
          log.info(`rolling the canary back to ${s.stableVersion}`);
          await deps.orchestrator.rollbackCanary(s.stableVersion);
        }
        return save(s, { phase: 'done', outcome: 'aborted', finishedAt: iso(), lastError: null });
      case 'done':
        return s;
    }
  }

  async function drive(initial: ReleaseState): Promise<ReleaseState> {
    let s = initial;
    while (s.phase !== 'done' && s.phase !== 'paused') {
      const phase: Phase = s.phase;
      let next: ReleaseState | null;
      try {
        next = await step(s);
      } catch (err) {
        const message = (err as Error).message;
        log.error(`release step '${phase}' failed`, { error: message });
        s = save(s, { lastError: { phase, message, at: iso() } });
        await tell(failureMessage(s, phase, message));
        throw new ReleaseError(`release ${s.id} failed while ${phase}: ${message}`, { cause: err });
      }
      if (!next) {
        const latest = deps.store.load();
        log.warn('release was taken over by another invocation; stopping here', { phase: latest?.phase });
        return latest ?? s;
      }
      s = next;
      if (s.phase === 'done') {
        log.info(`release ${s.id}: ${s.outcome}`, { report: s.reportDir ?? undefined });
        await tell(outcomeMessage(s));
      }
      if (s.phase === 'paused') {
        log.warn(`release ${s.id} paused: ${s.rollout?.run.reason}; --resume, --promote or --abort`);
        await tell(pausedMessage(s));
      }
    }
    return s;
  }

  async function operatorDecision(verdict: Verdict, phase: 'promoting' | 'rolling-back'): Promise<ReleaseState> {
    const s = unfinished();
    if (!s) throw new ReleaseError('no release in progress');
    const other = phase === 'promoting' ? 'rolling-back' : 'promoting';
    if (s.phase === other) throw new ReleaseError(`release ${s.id} is already ${other}; run --resume to finish it`);
    let m: Measurements | null = null;
    const span = s.rollout ? null : measurable(s, clock.now());
    if (span) {
      try {
        m = await measureWindow(prometheus(), span.endSec, span.windowMs, deps.scrapeIntervalMs);
      } catch (err) {
        log.warn('could not measure the canary for the record', { error: err });
      }
    }
    const next = save(s, { ...record(s, verdict, 'operator', m, span?.windowMs ?? s.windowMs), phase, lastError: null });
    return drive(next);
  }

  return {
    async start(version, windowMs) {
      const open = unfinished();
      if (open) {
        if (open.version !== version) {
          throw new ReleaseError(
            `release ${open.id} of ${open.version} is still ${open.phase}; finish it (--resume), or --abort / --promote it first`,
          );
        }
        log.info(`resuming release ${open.id} from phase '${open.phase}'`);
        return drive(reapplying(open));
      }
      try {
        await deps.checkModel?.(version);
      } catch (err) {
        const reason = (err as Error).message;
        log.error(`release of ${version} refused`, { error: reason });
        await tell(refusedMessage(version, reason));
        throw new ModelRefusedError(`release of ${version} refused, nothing was changed: ${reason}`, { cause: err });
      }
      const now = await deps.orchestrator.current();
      if (now.stable === version) throw new ReleaseError(`${version} already serves as the stable version`);
      const at = iso();
      const state: ReleaseState = {
        id: `${at.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${version}`,
        version,
        stableVersion: now.stable,
        phase: 'deploying',
        startedAt: at,
        windowMs,
        observeStartedAt: null,
        decision: null,
        outcome: null,
        lastError: null,
        reportDir: null,
        rollout: stepped ? startRollout(stepped.plan) : null,
        finishedAt: null,
        updatedAt: at,
      };
      deps.store.save(state);
      log.info(`release ${state.id}: ${now.stable} → ${version}, window ${formatDuration(windowMs)}`);
      return drive(state);
    },
    async resume() {
      const s = deps.store.load();
      if (!s) throw new ReleaseError('no release to resume');
      if (s.phase === 'done') {
        log.info(`release ${s.id} already finished: ${s.outcome}`);
        return s;
      }
      log.info(`resuming release ${s.id} from phase '${s.phase}'`);
      if (s.phase === 'paused' && s.rollout) {
        return drive(save(s, { phase: 'stepping', rollout: advance(s.rollout, { type: 'resumed' }), lastError: null }));
      }
      return drive(reapplying(s));
    },
    abort: (reason = 'aborted by an operator') =>
      operatorDecision({ verdict: 'fail', reasons: [reason] }, 'rolling-back'),
    promote: (reason = 'promoted by an operator') =>
      operatorDecision({ verdict: 'pass', reasons: [reason] }, 'promoting'),
    status: () => deps.store.load(),
  };
}
