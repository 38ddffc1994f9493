// Numbers as people read them in a one-line explanation: 3 significant digits, p-values small.

export function num(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(3)));
}

export function pValue(p: number): string {
  return p < 0.001 ? p.toExponential(1) : num(p);
}

/** A signed percentage: +12.5 %, −3 %. */
export function signedPct(fraction: number): string {
  if (!Number.isFinite(fraction)) return num(fraction);
  return `${fraction >= 0 ? '+' : '−'}${num(Math.abs(fraction) * 100)} %`;
}
