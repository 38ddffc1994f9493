// The weights directory NGINX reads per request (nginx-track-routing.ts): `current` is a relative
// symlink to a step directory holding one empty file `<slot>.<track>` per slot that is not
// stable's, and the step's weights.json. A new step is written beside the old one and `current`
// is swapped by rename(2), which is atomic: a request sees the old step or the new one, never a mix.
// Relative, so the same directory works bind-mounted into the nginx container.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CURRENT_STEP } from './nginx-track-routing.ts';
import { SPLIT_TRACKS, slotCounts, slotTracks, type SplitTrack, type SplitWeights } from './track-split.ts';

const STEPS = 'steps';

export interface WrittenStep {
  /** As asked. */
  weights: SplitWeights;
  /** Whole-percent shares NGINX applies (slotCounts), what a test or a judge should expect. */
  percent: Record<SplitTrack, number>;
}

/** Makes `percent` (from slotCounts) the split NGINX applies from its next request on. */
export function writeStep(dir: string, weights: SplitWeights, serving: readonly SplitTrack[] = SPLIT_TRACKS): WrittenStep {
  const percent = slotCounts(weights, serving);
  const name = `${Date.now()}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const stepDir = join(dir, STEPS, name);
  // World-readable: NGINX workers run as another user (nobody in the nginx image without `user`).
  mkdirSync(stepDir, { recursive: true, mode: 0o755 });
  slotTracks(percent).forEach((track, slot) => {
    if (track !== 'stable') writeFileSync(join(stepDir, `${slot}.${track}`), '', { mode: 0o644 });
  });
  const step: WrittenStep = { weights, percent };
  writeFileSync(join(stepDir, 'weights.json'), `${JSON.stringify(step)}\n`, { mode: 0o644 });
  const tmp = join(dir, `.${CURRENT_STEP}.${name}`);
  symlinkSync(join(STEPS, name), tmp);
  renameSync(tmp, join(dir, CURRENT_STEP));
  // Older steps are unreachable now (every lookup goes through `current`).
  for (const old of readdirSync(join(dir, STEPS))) if (old !== name) rmSync(join(dir, STEPS, old), { recursive: true, force: true });
  return step;
}

/** The step NGINX applies now, or undefined while none is written (the config's default split). */
export function readStep(dir: string): WrittenStep | undefined {
  const file = join(dir, CURRENT_STEP, 'weights.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as WrittenStep) : undefined;
}

