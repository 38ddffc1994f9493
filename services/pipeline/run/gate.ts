// The quality gate: a model is versioned only when its held-out RMSE is below the threshold.
import { relativeGate, type PairedScores, type RelativeGateDecision, type RelativeGateSettings } from './relative-gate.ts';

export interface GateDecision {
  pass: boolean;
  rmse: number;
  threshold: number;
  reason: string;
}

export function gate(rmse: number, threshold: number): GateDecision {
  if (!Number.isFinite(threshold) || threshold <= 0) throw new Error(`gate threshold must be a positive number, got ${threshold}`);
  if (!Number.isFinite(rmse)) return { pass: false, rmse, threshold, reason: `RMSE is ${rmse}, not a finite number` };
  const pass = rmse < threshold;
  return {
    pass,
    rmse,
    threshold,
    reason: pass ? `RMSE ${rmse.toFixed(4)} < ${threshold}` : `RMSE ${rmse.toFixed(4)} is not below the threshold ${threshold}`,
  };
}

/**
 * The run's gate: the absolute RMSE gate on the rating model (GATE_RMSE), then the relative gate on the
 * ranking model (relative-gate.ts). Both are always evaluated, so a refusal reports both; the
 * candidate is versioned only when both pass.
 */
export interface RunGateDecision {
  pass: boolean;
  reason: string;
  rmse: GateDecision;
  relative: RelativeGateDecision;
}

export function runGate(rmse: number, threshold: number, scores: PairedScores | null, settings: RelativeGateSettings): RunGateDecision {
  const r = gate(rmse, threshold);
  const relative = relativeGate(scores, settings);
  const failed = [r, relative].filter((d) => !d.pass).map((d) => d.reason);
  return { pass: failed.length === 0, reason: failed.length ? failed.join('; ') : `${r.reason}; ${relative.reason}`, rmse: r, relative };
}
