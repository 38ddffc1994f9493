// How the controller changes what runs, whatever runs it (docker compose in production, local
// processes for tests and local runs). Every method is idempotent, so a resumed release can
// simply call it again.
export interface Orchestrator {
  /** Replace the canary with `version`; the stables keep serving throughout. */
  deployCanary(version: string): Promise<void>;
  /** Move every stable to `version`, one at a time so one always serves; the canary ends on it too. */
  promote(version: string): Promise<void>;
  /** Put the canary back on the stable version. */
  rollbackCanary(stableVersion: string): Promise<void>;
  /** Versions running now (the stables' version is the first stable's when they differ mid-promotion). */
  current(): Promise<{ stable: string; canary: string }>;
}
