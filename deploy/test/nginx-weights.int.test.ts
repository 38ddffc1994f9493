// Weight changes under steady keep-alive load through a real NGINX (issue 10): 200 req/s from a
// client that never retries while the stable/baseline/canary split changes 10 times with
// setWeights. No client error, every answer 200, and each step's shares within 4 sigma of the
// split NGINX was given: the tracks its weights chose (route= in the access log), as a replica
// that stalls past the 180 ms read timeout on a busy host is failed over to another track. The same
// walk by reloads (the old way) resets connections by a race: `npm run bench -- nginx-weights`.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type LocalNginx, type Upstreams } from '../localstack/nginx.ts';
import { SPLIT_TRACKS } from '../config/track-split.ts';
import { RATE, STEP_MS, walk } from './keepalive-load.ts';
import { startTrackBackends, type TrackBackends } from './track-backends.ts';

/** Per load phase: the track the split chose for each request, and how many were failed over. */
function routesByPhase(accessLog: string): Map<number, { routes: Record<string, number>; failovers: number }> {
  const out = new Map<number, { routes: Record<string, number>; failovers: number }>();
  for (const m of readFileSync(accessLog, 'utf8').matchAll(/rid=load-(\d+)-\d+ .* track=(\S+) .* route=(\S+)$/gm)) {
    const phase = out.get(Number(m[1])) ?? { routes: {}, failovers: 0 };
    phase.routes[m[3]] = (phase.routes[m[3]] ?? 0) + 1;
    if (m[2] !== m[3]) phase.failovers++;
    out.set(Number(m[1]), phase);
  }
  return out;
}

describe('NGINX weight changes under keep-alive load', () => {
  let backends: TrackBackends;
  let upstreams: Upstreams;
  let nginx: LocalNginx;

  beforeAll(async () => {
    backends = await startTrackBackends(['stable', 'baseline', 'canary']);
    const { stable, baseline, canary } = backends.addresses;
    upstreams = { stable: [stable], baseline: [baseline], canary: [canary] };
    nginx = await startNginx({ port: 0, upstreams, workerProcesses: 2 });
  });
  afterAll(async () => {
    await nginx?.stop();
    await backends?.stop();
  });

  it('passes the normalised path and the query to the track, never a raw ../ path', async () => {
    const url = async (path: string) => {
      const res = await fetch(`${nginx.url}${path}`);
      return res.status === 200 ? ((await res.json()) as { url: string }).url : res.status;
    };
    expect(await url('/recommend/a/../7?k=1')).toBe('/recommend/7?k=1');
    expect(await url('/recommend/a%20b')).toBe('/recommend/a%20b');
    expect(await url('/recommend/%2e%2e/metrics')).toBe(404);
  });

  it('refuses a weight for a track without servers', async () => {
    const two = await startNginx({ port: 0, upstreams: { stable: upstreams.stable, canary: upstreams.canary } });
    try {
      expect(() => two.setWeights({ stable: 90, baseline: 5, canary: 5 })).toThrow(/track baseline has weight 5 but no servers/);
    } finally {
      await two.stop();
    }
  });

  it('changes weights 10 times at 200 req/s with no reset, every answer 200, shares within 4 sigma', async () => {
    const r = await walk(nginx, async (w) => nginx.setWeights(w).percent);
    console.log(`setWeights walk: ${r.sent} requests, statuses ${JSON.stringify(r.statuses)}, client errors ${JSON.stringify(r.errors)}`);
    expect(r.errors).toEqual({});
    expect(r.statuses, readFileSync(nginx.errorLog, 'utf8').slice(0, 2000)).toEqual({ 200: r.sent });
    const routes = routesByPhase(nginx.accessLog);
    let failovers = 0;
    for (const { expected, phase } of r.measured) {
      const { routes: chosen, failovers: f } = routes.get(phase.id) ?? { routes: {}, failovers: 0 };
      failovers += f;
      const n = Object.values(chosen).reduce((a, b) => a + b, 0);
      expect(n).toBe(phase.sent);
      expect(n).toBeGreaterThan(0.8 * RATE * (STEP_MS / 1000));
      for (const t of SPLIT_TRACKS) {
        const p = expected[t] / 100;
        const observed = (chosen[t] ?? 0) / n;
        const tolerance = 4 * Math.sqrt((p * (1 - p)) / n);
        expect(Math.abs(observed - p), `${t}: ${chosen[t] ?? 0}/${n} for ${expected[t]} %`).toBeLessThanOrEqual(tolerance);
      }
    }
    console.log(`setWeights walk: ${failovers} answers failed over to another track (a replica past the read timeout)`);
  }, 60_000);
});
