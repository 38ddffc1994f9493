// Human durations for the release window and friends: `30s`, `12h`, `1h30m`, `500ms`, `2d`.
// A bare number is rejected on purpose: "30" could mean seconds or minutes.
import { UsageError } from '../core/args.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** A bad duration is always the operator's typing (--window, RELEASE_WINDOW): a usage error. */
export class DurationError extends UsageError {}

/** Parses `30s`, `12h`, `1h30m`, `1.5h`, `250ms` into milliseconds (integer, > 0). */
export function parseDuration(text: string): number {
  const s = text.trim().toLowerCase();
  if (!s) throw new DurationError('empty duration (expected e.g. 30s, 15m, 12h, 1h30m)');
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(PART)) {
    if (m.index !== consumed) break;
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed += m[0].length;
  }
  if (consumed !== s.length) {
    throw new DurationError(`invalid duration '${text}' (expected e.g. 30s, 15m, 12h, 1h30m)`);
  }
  const ms = Math.round(total);
  if (ms <= 0) throw new DurationError(`duration '${text}' must be greater than zero`);
  return ms;
}

/** Formats milliseconds compactly: 90_000 → `1m30s`, 43_200_000 → `12h`, 1500 → `1.5s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  let rest = Math.round(ms / 1000);
  const out: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    const n = Math.floor(rest / size);
    if (n) out.push(`${n}${unit}`);
    rest -= n * size;
  }
  return out.join('');
}

/** PromQL range selector text for a window: whole seconds, at least 1s (`[43200s]`). */
export function promDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms / 1000))}s`;
}
