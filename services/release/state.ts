// The controller's persisted state: one JSON file, replaced atomically at every phase change,
// so a controller that died mid-release can be re-run to finish or roll back.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../core/atomic-write.ts';
import { MarqueeError } from '../core/errors.ts';
import { rolloutStateSchema } from './rollout.ts';

// A stepped release (rollout.ts) goes deploying → stepping (⇄ paused) → promoting | rolling-back →
// done; a single-window release (no measurer) deploying → observing → judging → ….
export const PHASES = ['deploying', 'stepping', 'paused', 'observing', 'judging', 'promoting', 'rolling-back', 'done'] as const;
export type Phase = (typeof PHASES)[number];

const trackSummarySchema = z.object({
  avgLatencyMs: z.number().nullable(),
  errorRate: z.number().nullable(),
  requests: z.number(),
});

export const releaseStateSchema = z.object({
  id: z.string().min(1),
  version: z.string().min(1),
  /** What the stables served when the release started: the rollback target. */
  stableVersion: z.string().min(1),
  phase: z.enum(PHASES),
  startedAt: z.string(),
  windowMs: z.number().int().positive(),
  observeStartedAt: z.string().nullable(),
  decision: z
    .object({
      verdict: z.enum(['pass', 'fail', 'inconclusive']),
      reasons: z.array(z.string()),
      by: z.enum(['judge', 'operator']),
      at: z.string(),
      canary: trackSummarySchema.nullable(),
      stable: trackSummarySchema.nullable(),
    })
    .nullable(),
  outcome: z.enum(['promoted', 'aborted']).nullable(),
  /** The last step that failed (the phase is kept, so a re-run retries it). */
  lastError: z.object({ phase: z.enum(PHASES), message: z.string(), at: z.string() }).nullable(),
  reportDir: z.string().nullable(),
  /** A stepped release: step index, weights, the step's analysis run and every interval's figures. */
  rollout: rolloutStateSchema.nullable().default(null),
  finishedAt: z.string().nullable(),
  updatedAt: z.string(),
});
export type ReleaseState = z.infer<typeof releaseStateSchema>;

export interface StateStore {
  load(): ReleaseState | null;
  save(state: ReleaseState): void;
}

export function fileStateStore(path: string): StateStore {
  return {
    load() {
      if (!existsSync(path)) return null;
      let json: unknown;
      try {
        json = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new MarqueeError('INPUT', `release state ${path} is not valid JSON (${(err as Error).message}); fix or remove it`, { cause: err });
      }
      const parsed = releaseStateSchema.safeParse(json);
      if (!parsed.success) {
        throw new MarqueeError('INPUT', `release state ${path} is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      return parsed.data;
    },
    save(state) {
      writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
    },
  };
}

/** In-memory store for tests. */
export function memoryStateStore(initial: ReleaseState | null = null): StateStore & { saves: ReleaseState[] } {
  let current = initial ? structuredClone(initial) : null;
  const saves: ReleaseState[] = [];
  return {
    saves,
    load: () => (current ? structuredClone(current) : null),
    save(state) {
      releaseStateSchema.parse(state);
      current = structuredClone(state);
      saves.push(structuredClone(state));
    },
  };
}
