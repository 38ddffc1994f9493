// Side-by-side variants of a benchmark's modes, given in an environment variable as
// `name:VAR=value,VAR=value;name2:...`: each name becomes one more mode run with that extra
// environment (deployment.ts, provenance-cpu.ts).

/** Parses `text` (from the variable `variable`); a name may not reuse one of `taken`. */
export function parseVariants(text: string, variable: string, taken: readonly string[]): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const part of text.split(';').filter((p) => p.trim())) {
    const m = /^\s*([a-z][a-z0-9-]*)\s*:\s*(.+)$/.exec(part);
    if (!m || taken.includes(m[1]) || m[1] in out) throw new Error(`${variable}: "${part}" is not name:VAR=value,... with a new name`);
    out[m[1]] = Object.fromEntries(
      m[2].split(',').map((kv) => {
        const [k, v] = kv.split('=');
        if (!/^[A-Z][A-Z0-9_]*$/.test(k?.trim() ?? '') || v === undefined) throw new Error(`${variable}: "${kv}" is not VAR=value`);
        return [k.trim(), v.trim()];
      }),
    );
  }
  return out;
}
