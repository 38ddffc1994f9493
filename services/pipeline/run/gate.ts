// The quality gate: a model is versioned only when its held-out RMSE is below the threshold.
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
