// The `future` audience: users watch the held-out part of their ratings when a list brings it,
// so a list holding users' futures gets a higher watch-through (measured with the release's own
// watch-through, from the lines as the pipeline parses them).
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventsFromLogLines } from '../../release/online/log-events.ts';
import type { ServedList } from '../../release/online/types.ts';
import { watchThrough } from '../../release/online/watch-through.ts';
import { createAudience } from '../simulator/audience.ts';
import { type Futures, splitFutures } from '../simulator/held-out.ts';
import { seededRandom } from '../simulator/random.ts';
import { loadRatings } from '../simulator/ratings-input.ts';
import { repoRoot } from './paths.ts';

const ratings = loadRatings(join(repoRoot, 'data', 'sample', 'ratings.csv')).slice(0, 20_000);
const T0 = Date.UTC(2026, 11, 2, 10, 0, 0);
const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 19);

/** Answers to 100 users one second apart, then the clock run a minute past the last: the lines. */
function play(futures: Futures, listOf: (user: number) => string[], seed: number): { served: ServedList[]; lines: string[] } {
  const audience = createAudience(futures, seededRandom(seed));
  const users = [...futures.future.keys()].slice(0, 100);
  const served: ServedList[] = [];
  const lines: string[] = [];
  const end = T0 + (users.length + 60) * 1000;
  for (let now = T0, i = 0; now <= end; now += 1000, i++) {
    if (i < users.length) {
      const ids = listOf(users[i]);
      served.push({ userId: users[i], servedAt: now, group: 'x', ids });
      audience.respond(users[i], ids, now);
    }
    lines.push(...audience.due(now, stamp(now)).map((l) => l.line));
  }
  return { served, lines };
}

describe('splitFutures', () => {
  it('holds out a seeded part of the ratings per user, and ranks the past by popularity', () => {
    const f = splitFutures(ratings, 0.2, 7);
    const held = [...f.future.values()].reduce((n, m) => n + m.size, 0);
    expect(f.past.length + held).toBe(ratings.length);
    expect(held).toBe(Math.round(ratings.length * 0.2));
    expect(splitFutures(ratings, 0.2, 7).future).toEqual(f.future);
    expect(splitFutures(ratings, 0.2, 8).future).not.toEqual(f.future);
    const count = (m: string) => f.past.filter((r) => r.movie === m).length;
    expect(count(f.popular[0])).toBeGreaterThanOrEqual(count(f.popular[10]));
  });
});

describe('the future audience', () => {
  const futures = splitFutures(ratings, 0.2, 7);
  const everyone = new Set(ratings.map((r) => r.movie));
  const popular = new Set(futures.popular);
  // Fillers: movies in nobody's list of interest here (neither popular nor this user's future).
  const fillers = (user: number, n: number) => [...everyone].filter((m) => !popular.has(m) && !futures.future.get(user)?.has(m)).slice(0, n);
  const good = (user: number) => [...[...(futures.future.get(user)?.keys() ?? [])].slice(0, 5), ...fillers(user, 15)];
  const bad = (user: number) => fillers(user, 20);

  it('gives lists holding the users future a higher watch-through than lists that do not', () => {
    const rate = (listOf: (u: number) => string[]) => {
      const { served, lines } = play(futures, listOf, 11);
      const { watches } = eventsFromLogLines(lines);
      return watchThrough(served, watches).get('x');
    };
    const better = rate(good);
    const worse = rate(bad);
    expect(better?.responses).toBe(100);
    expect(better?.proportion).toBeGreaterThan(0.8);
    expect(worse?.proportion).toBeLessThan(0.1);
  });

  it('watches after the answer, minute by minute, then rates a future movie with its held-out rating', () => {
    const { served, lines } = play(futures, good, 11);
    const user = served[0].userId;
    const mine = lines.filter((l) => l.split(',')[1] === String(user));
    expect(mine.length).toBeGreaterThanOrEqual(4);
    const movie = /GET \/data\/m\/(.+)\/0\.mpg$/.exec(mine[0])?.[1] ?? '';
    expect(served[0].ids.slice(0, 5)).toContain(movie);
    expect(Date.parse(`${mine[0].split(',')[0]}Z`)).toBeGreaterThanOrEqual(served[0].servedAt + 1000);
    expect(mine.at(-1)).toBe(`${mine.at(-1)?.split(',')[0]},${user},GET /rate/${movie}=${Math.round(futures.future.get(user)?.get(movie) ?? 0)}`);
  });

  it('is reproducible for a seed', () => {
    expect(play(futures, good, 3).lines).toEqual(play(futures, good, 3).lines);
    expect(play(futures, good, 3).lines).not.toEqual(play(futures, good, 4).lines);
  });
});
