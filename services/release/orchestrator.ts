// How the controller changes what runs, whatever runs it (docker compose in production, local
// processes for tests and local runs). Every method is idempotent, so a resumed release can
// simply call it again.
import type { TrackWeights } from './rollout.ts';

export interface Orchestrator {
  /** Replace the canary with `version`; the stables keep serving throughout. */
  deployCanary(version: string): Promise<void>;
  /** Start (or replace) the baseline replica on `version`, the stables' model: a fresh replica
   * started with the canary, so the two are compared on equal terms (same age, same traffic). */
  deployBaseline(version: string): Promise<void>;
  /** Route these percentages of the traffic to each track from the next request on. */
  setWeights(weights: TrackWeights): Promise<void>;
  /** Stop the canary and the baseline: a stepped release ends with all traffic on the stables. */
  removeTrial(): Promise<void>;
  /** Move every stable to `version`, one at a time so one always serves; the canary ends on it too. */
  promote(version: string): Promise<void>;
  /** Put the canary back on the stable version. */
  rollbackCanary(stableVersion: string): Promise<void>;
  /** Versions running now (the stables' version is the first stable's when they differ mid-promotion);
   * canary null when no canary runs. */
  current(): Promise<{ stable: string; canary: string | null }>;
}
