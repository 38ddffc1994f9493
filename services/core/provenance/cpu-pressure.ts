// Is this machine's CPU saturated? The provenance recorder defers its MySQL writes while it is
// (see recorder.ts): MySQL shares the host with the replicas and NGINX in the Compose topology,
// and an InnoDB row costs MySQL ~10-25 µs of CPU against ~150 µs for a whole request through NGINX
// (replicas, NGINX and client together; docs/benchmarks.md, Deployment), so at saturation
// writing as we serve would cost serving capacity. Read from /proc/stat (the host's counters, also
// inside a container), sampled on a timer so that asking costs nothing on the request path.
import { readFileSync } from 'node:fs';

export interface CpuTimes {
  /** Jiffies spent idle (idle + iowait). */
  idle: number;
  /** All jiffies. */
  total: number;
}

/** The aggregate `cpu` line of /proc/stat; undefined when the text has none. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = /^cpu\s+([\d ]+)$/m.exec(text);
  if (!line) return undefined;
  const f = line[1].trim().split(/\s+/).map(Number);
  if (f.length < 4 || f.some((n) => !Number.isFinite(n))) return undefined;
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
  // counted in user/nice, so only the first eight fields make up the total.
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { idle: f[3] + (f[4] ?? 0), total };
}

/** Busy share of the CPU between two readings, 0..1; 0 when no time passed. */
export function busyFraction(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  const idle = Math.max(0, after.idle - before.idle);
  return Math.min(1, Math.max(0, (total - idle) / total));
}

export interface CpuPressure {
  /** True while the last interval's busy share was at or above the threshold. */
  underPressure(): boolean;
  /** The last interval's busy share, 0..1. */
  busy(): number;
  stop(): void;
}

export interface HostCpuPressureOptions {
  /** Busy share (0..1] at or above which the host counts as saturated. */
  threshold: number;
  intervalMs?: number;
  /** Reads /proc/stat; injectable for tests. */
  read?: () => string;
  /** Called once if the counters cannot be read (then the host never counts as saturated). */
  onUnavailable?: (reason: string) => void;
}

/** Samples the host's CPU every `intervalMs` (default 500 ms) on an unref'd timer. */
export function hostCpuPressure(opts: HostCpuPressureOptions): CpuPressure {
  if (!(opts.threshold > 0 && opts.threshold <= 1)) throw new RangeError(`CPU pressure threshold must be in (0, 1], got ${opts.threshold}`);
  const read = opts.read ?? (() => readFileSync('/proc/stat', 'utf8'));
  const sample = (): CpuTimes | undefined => {
    try {
      return parseProcStat(read());
    } catch {
      return undefined;
    }
  };
  let last = sample();
  let share = 0;
  if (!last) {
    opts.onUnavailable?.('no readable /proc/stat; provenance writes are never deferred');
    return { underPressure: () => false, busy: () => 0, stop: () => {} };
  }
  const timer = setInterval(() => {
    const now = sample();
    if (!now || !last) return;
    share = busyFraction(last, now);
    last = now;
  }, opts.intervalMs ?? 500);
  timer.unref();
  return {
    underPressure: () => share >= opts.threshold,
    busy: () => share,
    stop: () => clearInterval(timer),
  };
}
