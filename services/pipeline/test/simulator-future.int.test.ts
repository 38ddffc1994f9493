// The simulator's `future` audience end to end against a local HTTP service: a service that lists
// the users' held-out movies gets a higher watch-through, from the simulator's own lines, than one
// that lists movies nobody was going to watch; the replayed past never holds a future rating.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsFromLogLines } from '../../release/online/log-events.ts';
import { watchThrough } from '../../release/online/watch-through.ts';
import { parseLine } from '../parse/line.ts';
import { splitFutures } from '../simulator/held-out.ts';
import { loadRatings } from '../simulator/ratings-input.ts';
import { startSimulator } from '../simulator/simulator.ts';
import { createCallbackSink } from '../simulator/sinks.ts';
import { repoRoot } from './paths.ts';

const path = join(repoRoot, 'data', 'sample', 'ratings.csv');
const SEED = 5;
// The simulator's own split: the first 50 users' ratings, held out with the run's seed.
const ratings = loadRatings(path).filter((r) => r.user <= 50);
const futures = splitFutures(ratings, 0.2, SEED);

async function run(listOf: (user: number) => string[]) {
  const server = http.createServer((req, res) => {
    const user = Number(/^\/recommend\/(\d+)$/.exec(req.url ?? '')?.[1]);
    res.writeHead(200, { 'content-type': 'text/plain' }).end(listOf(user).join(','));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const lines: string[] = [];
  try {
    const sim = startSimulator({
      ratings: path,
      users: 50,
      seed: SEED,
      audience: 'future',
      future: { delayMs: [50, 200], minuteMs: 50, minutes: [2, 3] },
      sink: createCallbackSink((l) => void lines.push(...l)),
      rate: 50,
      serviceUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      requestRate: 20,
      durationS: 2.5,
    });
    const stats = await sim.done;
    const { served, watches } = eventsFromLogLines(lines);
    return { stats, lines, result: watchThrough(served, watches).get(`127.0.0.1:${(server.address() as AddressInfo).port}`) };
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

describe('startSimulator with the future audience', () => {
  it('rewards a service that lists what users were going to watch', async () => {
    const popular = new Set(futures.popular);
    const fillers = [...new Set(ratings.map((r) => r.movie))].filter((m) => !popular.has(m) && ![...futures.future.values()].some((f) => f.has(m))).slice(0, 20);
    const better = await run((u) => [...[...(futures.future.get(u)?.keys() ?? [])].slice(0, 10), ...fillers].slice(0, 20));
    const worse = await run(() => fillers);
    expect(better.result?.responses).toBeGreaterThan(10);
    expect(better.stats.audience?.followed).toBeGreaterThan(0);
    expect(better.result?.proportion).toBeGreaterThan(0.5);
    expect(worse.result?.proportion).toBeLessThan(0.2);
    // Every line parses, and a future movie is watched only after an answer to its user (the
    // replayed past holds none of it).
    const parsed = better.lines.map((l) => parseLine(l));
    expect(parsed.filter((p) => p.kind === 'rejected')).toEqual([]);
    expect(better.stats.lines.total).toBe(better.lines.length);
    const answered = new Set<number>();
    let futureWatches = 0;
    for (const p of parsed) {
      if (p.kind === 'recommendation') answered.add(p.user);
      else if (p.kind === 'watch' && futures.future.get(p.user)?.has(p.movie)) {
        futureWatches++;
        expect(answered.has(p.user)).toBe(true);
      }
    }
    expect(futureWatches).toBeGreaterThan(0);
  });
});
