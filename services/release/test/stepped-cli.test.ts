// Which plan the release CLI runs: the requested steps for a new release, the recorded plan for a
// stepped release on record (--resume / --abort / --promote need no --steps), none otherwise.
import { describe, expect, it } from 'vitest';
import { planToRun } from '../cli/stepped.ts';
import { releaseConfigFromEnv } from '../config.ts';
import { startRollout } from '../rollout.ts';
import type { ReleaseState } from '../state.ts';

const c = releaseConfigFromEnv({ RELEASE_INTERVAL: '1m' });
const recorded = (phase: ReleaseState['phase'], stepped: boolean) =>
  ({ phase, rollout: stepped ? startRollout({ steps: [10, 30], intervalMs: 5000, limits: { intervals: 1 } }) : null }) as ReleaseState;

describe('planToRun', () => {
  it('is null without steps and without a stepped release on record: the single-window release', () => {
    expect(planToRun(c, undefined, null)).toBeNull();
    expect(planToRun(c, undefined, recorded('observing', false))).toBeNull();
    expect(planToRun(c, undefined, recorded('done', true))).toBeNull();
  });

  it('plans the requested steps for a new release', () => {
    expect(planToRun(c, [5, 20], recorded('done', true))).toMatchObject({ steps: [5, 20], intervalMs: 60_000 });
  });

  it("keeps an unfinished stepped release's own plan, whatever is asked now", () => {
    for (const phase of ['stepping', 'paused', 'rolling-back'] as const) {
      expect(planToRun(c, [5], recorded(phase, true))).toMatchObject({ steps: [10, 30], intervalMs: 5000, limits: { intervals: 1 } });
    }
  });
});
