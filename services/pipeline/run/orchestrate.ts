// The run as a pure sequence of outcomes. The steps do the I/O; this decides what happens after each
// one succeeds or fails, and what has to be undone, so every path is testable with fake steps:
//   prepare -> collect -> train -> gate -> version -> publish -> track
//   train/gate fail       => the staging artifact is discarded, nothing versioned
//   gate refuses          => the same ('gate-failed'); the decision goes into the outcome either way
//   version fails         => it undid itself; the staging artifact is discarded
//   publish fails         => the version is rolled back (commit, files, cache, remote objects, models/<N>)
//   track fails           => the version is already public: reported, not undone
import { asError, MarqueeError } from '../../core/errors.ts';

/** What the gate step decides; the run only needs `pass`, the summary reads the rest. */
export interface Gated {
  pass: boolean;
}

export const STEP_NAMES = ['prepare', 'collect', 'train', 'gate', 'version', 'publish', 'track'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface RunSteps<P, C, T, V, G, D extends Gated = Gated> {
  prepare(): Promise<P>;
  collect(p: P): Promise<C>;
  train(p: P, c: C): Promise<T>;
  gate(t: T): D;
  version(p: P, t: T): Promise<V>;
  publish(p: P, v: V): Promise<G>;
  track(p: P, c: C, t: T, v: V, g: G, d: D): Promise<void>;
  /** Drops the unpublished training output; a no-op once it became a version. A throw is reported as
   * an incomplete clean-up, never replaces the run's outcome. */
  discard(p: P): Promise<void>;
  /** Takes a version back; returns what could not be undone. */
  rollback(v: V): Promise<string[]>;
  /** Always runs once prepare succeeded (locks, connections); a throw is ignored. */
  finish(p: P): Promise<void>;
}

export interface StepTiming {
  step: StepName;
  seconds: number;
  ok: boolean;
}

export interface OrchestrateOptions {
  signal?: AbortSignal;
  now?: () => number;
  onStepStart?: (step: StepName) => void;
  onStepEnd?: (timing: StepTiming, error?: Error) => void;
}

interface Partial5<P, C, T, V, G, D> {
  prepared?: P;
  collected?: C;
  trained?: T;
  decision?: D;
  versioned?: V;
  published?: G;
}

export type RunOutcome<P, C, T, V, G, D extends Gated = Gated> =
  | { status: 'published'; prepared: P; collected: C; trained: T; decision: D; versioned: V; published: G; timings: StepTiming[] }
  | {
      status: 'gate-failed';
      prepared: P;
      collected: C;
      trained: T;
      decision: D;
      cleanupErrors: string[];
      timings: StepTiming[];
    }
  | ({
      status: 'failed';
      step: StepName;
      error: Error;
      /** True when the step left nothing behind (or its changes were undone without error). */
      rolledBack: boolean;
      rollbackErrors: string[];
      timings: StepTiming[];
    } & Partial5<P, C, T, V, G, D>);

/** A step's own error, with the step it came from; `orchestrate` turns it into a 'failed' outcome. */
class StepFailure extends MarqueeError {
  readonly step: StepName;
  readonly original: Error;

  constructor(
    step: StepName,
    original: Error,
  ) {
    super('STEP_FAILED', original.message, { cause: original });
    this.step = step;
    this.original = original;
  }
}

export async function orchestrate<P, C, T, V, G, D extends Gated = Gated>(
  steps: RunSteps<P, C, T, V, G, D>,
  opts: OrchestrateOptions = {},
): Promise<RunOutcome<P, C, T, V, G, D>> {
  const now = opts.now ?? (() => performance.now());
  const timings: StepTiming[] = [];
  const got: Partial5<P, C, T, V, G, D> = {};

  const step = async <R>(name: StepName, fn: () => Promise<R> | R): Promise<R> => {
    if (opts.signal?.aborted) throw new StepFailure(name, new Error(`aborted before ${name}: ${reason(opts.signal)}`));
    opts.onStepStart?.(name);
    const t0 = now();
    try {
      const value = await fn();
      const timing = { step: name, seconds: (now() - t0) / 1000, ok: true };
      timings.push(timing);
      opts.onStepEnd?.(timing);
      return value;
    } catch (e) {
      const timing = { step: name, seconds: (now() - t0) / 1000, ok: false };
      timings.push(timing);
      opts.onStepEnd?.(timing, asError(e));
      throw new StepFailure(name, asError(e));
    }
  };
  const failed = (f: StepFailure, rollbackErrors: string[] = []): RunOutcome<P, C, T, V, G, D> => ({
    status: 'failed',
    step: f.step,
    error: f.original,
    rolledBack: rollbackErrors.length === 0 && got.published === undefined,
    rollbackErrors,
    timings,
    ...got,
  });

  let prepared: P;
  try {
    prepared = await step('prepare', () => steps.prepare());
    got.prepared = prepared;
  } catch (e) {
    return failed(e as StepFailure);
  }

  try {
    const collected = await step('collect', () => steps.collect(prepared));
    got.collected = collected;
    const trained = await step('train', () => steps.train(prepared, collected));
    got.trained = trained;
    const decision = await step('gate', () => steps.gate(trained));
    got.decision = decision;
    if (!decision.pass) {
      const cleanupErrors = await attempt('discard', () => steps.discard(prepared));
      return { status: 'gate-failed', prepared, collected, trained, decision, cleanupErrors, timings };
    }
    const versioned = await step('version', () => steps.version(prepared, trained));
    got.versioned = versioned;
    let published: G;
    try {
      published = await step('publish', () => steps.publish(prepared, versioned));
    } catch (e) {
      const rollbackErrors = await steps.rollback(versioned).catch((err: unknown) => [`rollback: ${asError(err).message}`]);
      rollbackErrors.push(...(await attempt('discard', () => steps.discard(prepared))));
      return failed(e as StepFailure, rollbackErrors);
    }
    got.published = published;
    await step('track', () => steps.track(prepared, collected, trained, versioned, published, decision));
    return { status: 'published', prepared, collected, trained, decision, versioned, published, timings };
  } catch (e) {
    if (!(e instanceof StepFailure)) throw e;
    const cleanupErrors = got.published === undefined ? await attempt('discard', () => steps.discard(prepared)) : [];
    return failed(e, cleanupErrors);
  } finally {
    await attempt('finish', () => steps.finish(prepared));
  }
}

/** Runs a clean-up action; its failure becomes a message instead of an exception. */
async function attempt(what: string, fn: () => Promise<void>): Promise<string[]> {
  try {
    await fn();
    return [];
  } catch (err) {
    return [`${what}: ${asError(err).message}`];
  }
}

function reason(signal: AbortSignal): string {
  const r: unknown = signal.reason;
  return r instanceof Error ? r.message : String(r ?? 'aborted');
}
