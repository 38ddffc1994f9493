// Junk traffic beside the simulator: `/recommend/abc`, which every replica answers 400 alike, at a
// steady share of the load. A client error must move no release decision (issue 10).
import http from 'node:http';

export interface JunkStats {
  sent: number;
  byStatus: Record<string, number>;
}

export function startJunk(baseUrl: string, perSecond: number): { stop(): Promise<JunkStats> } {
  const url = new URL('/recommend/abc', baseUrl);
  const agent = new http.Agent({ keepAlive: true });
  const stats: JunkStats = { sent: 0, byStatus: {} };
  const inFlight = new Set<Promise<void>>();
  const count = (key: string) => (stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1);
  const timer = setInterval(() => {
    stats.sent++;
    const p = new Promise<void>((done) => {
      const req = http.get(url, { agent, timeout: 3000 }, (res) => {
        res.resume();
        res.on('end', () => done(void count(String(res.statusCode))));
      });
      // Any transport error (a reset included) is counted under its code, never retried.
      req.on('error', (err: NodeJS.ErrnoException) => done(void count(err.code ?? err.name)));
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all([...inFlight]);
      agent.destroy();
      return stats;
    },
  };
}
