// Steady /recommend traffic straight at the inference processes (round-robin over whatever the
// orchestrator says is running), so Prometheus has something to measure in integration tests.
export interface TrafficStats {
  sent: number;
  ok: number;
  failed: number;
  byVersion: Record<string, number>;
}

export function startTraffic(opts: { targets: () => string[]; perSecond: number; users: number[] }): { stop(): Promise<TrafficStats> } {
  const stats: TrafficStats = { sent: 0, ok: 0, failed: 0, byVersion: {} };
  const inflight = new Set<Promise<void>>();
  let i = 0;
  const timer = setInterval(() => {
    const targets = opts.targets();
    if (!targets.length) return;
    const address = targets[i % targets.length];
    const user = opts.users[i % opts.users.length];
    i++;
    stats.sent++;
    const p = fetch(`http://${address}/recommend/${user}`, { signal: AbortSignal.timeout(5000) })
      .then(async (res) => {
        await res.body?.cancel();
        if (res.status === 200) stats.ok++;
        else stats.failed++;
        const v = res.headers.get('x-model-version') ?? '?';
        stats.byVersion[v] = (stats.byVersion[v] ?? 0) + 1;
      })
      .catch(() => void stats.failed++)
      .finally(() => inflight.delete(p));
    inflight.add(p);
  }, 1000 / opts.perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inflight]);
      return stats;
    },
  };
}
