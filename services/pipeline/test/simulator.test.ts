import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLine } from '../parse/line.ts';
import { rateLine, recommendationLine, watchLine } from '../simulator/lines.ts';
import { seededRandom } from '../simulator/random.ts';
import { detectFormat, loadRatings, parseCatalogue, parseRatings } from '../simulator/ratings-input.ts';
import { idsFromBody } from '../simulator/requester.ts';
import { createLineStream } from '../simulator/sessions.ts';
import { summarize } from '../simulator/stats.ts';
import { movielens, repoRoot } from './paths.ts';

describe('simulator ratings input', () => {
  it('detects the formats', () => {
    expect(detectFormat('user_id,movie_id,rating,timestamp')).toBe('clean');
    expect(detectFormat('userId,movieId,rating,timestamp')).toBe('movielens-csv');
    expect(detectFormat('196\t242\t3\t881250949')).toBe('tab');
    expect(detectFormat('1::1193::5::978300760')).toBe('colons');
    expect(() => detectFormat('hello')).toThrow(/unrecognised ratings format/);
  });

  it('parses each format, mapping MovieLens ids to slugs when given', () => {
    expect(parseRatings('user_id,movie_id,rating,timestamp\n3,up+2009,4,2023-01-01T00:00\n', 'x')).toEqual([{ user: 3, movie: 'up+2009', rating: 4 }]);
    expect(parseRatings('userId,movieId,rating,timestamp\n1,31,2.5,1260759144\n', 'x', new Map([[31, 'dangerous+minds+1995']]))).toEqual([
      { user: 1, movie: 'dangerous+minds+1995', rating: 2.5 },
    ]);
    expect(parseRatings('196\t242\t3\t881250949\n', 'x')).toEqual([{ user: 196, movie: '242', rating: 3 }]);
    expect(() => parseRatings('196\tx\n', 'u.data')).toThrow(/u\.data:1: not a rating row/);
  });

  it('reads movie catalogues, including quoted titles with commas', () => {
    expect(parseCatalogue('movieId,title,genres\n1,Toy Story (1995),Animation\n11,"American President, The (1995)",Comedy|Drama\n', 'csv')).toEqual([
      { id: 1, title: 'Toy Story (1995)' },
      { id: 11, title: 'American President, The (1995)' },
    ]);
    expect(parseCatalogue('1|Toy Story (1995)|01-Jan-1995||http://x|0|0\n', 'pipe')).toEqual([{ id: 1, title: 'Toy Story (1995)' }]);
  });

  it('loads ml-100k with course-style slugs from u.item, and the shipped sample as is', () => {
    const ml = loadRatings(join(movielens, 'ml-100k', 'u.data'));
    expect(ml).toHaveLength(100_000);
    expect(ml[0]).toEqual({ user: 196, movie: 'kolya+1996', rating: 3 });
    const sample = loadRatings(join(repoRoot, 'data', 'sample', 'ratings.csv'));
    expect(sample[0]).toEqual({ user: 1, movie: 'toy+story+1995', rating: 4 });
  });
});

describe('simulated lines', () => {
  it('writes lines the parser reads back', () => {
    expect(parseLine(watchLine('2023-11-29T14:02:11', 5, 'up+2009', 3))).toEqual({ kind: 'watch', at: '2023-11-29T14:02:11', user: 5, movie: 'up+2009', minute: 3 });
    expect(parseLine(rateLine('2023-11-29T14:02:11', 5, 'up+2009', 4))).toMatchObject({ kind: 'rate', rating: 4 });
    expect(parseLine(recommendationLine('2023-11-29T14:02:11', 5, 'localhost:8082', 200, 'a+1, b+2', 12.4))).toMatchObject({
      kind: 'recommendation',
      server: 'localhost:8082',
      results: ['a+1', 'b+2'],
      latencyMs: 12,
    });
    const timeout = recommendationLine('2023-11-29T14:02:11', 5, 'h:8082', 0, 'java.util.concurrent.TimeoutException: Request timeout to h/127.0.0.1:8082 after 600 ms', 601);
    expect(parseLine(timeout)).toMatchObject({ status: 0, error: 'java.util.concurrent.TimeoutException: Request timeout to h/127.0.0.1:8082 after 600 ms', latencyMs: 601 });
    expect(parseLine(recommendationLine('2023-11-29T14:02:11', 5, 'h:1', 500, 'oops\nsecond line', 3))).toMatchObject({ status: 500, error: 'oops second line' });
  });

  it('streams interleaved sessions: consecutive minutes, then the rating rounded into the scale', () => {
    const ratings = [
      { user: 1, movie: 'a+1', rating: 4.5 },
      { user: 2, movie: 'b+2', rating: 0.5 },
      { user: 3, movie: 'c+3', rating: 3 },
    ];
    const stream = createLineStream(ratings, seededRandom(7), { concurrency: 3, minutes: [2, 4] });
    const minutes = new Map<string, number[]>();
    const rated = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const { kind, line } = stream.next('2023-11-29T14:02:11');
      const e = parseLine(line);
      expect(e.kind).toBe(kind);
      if (e.kind === 'watch') {
        const key = `${e.user},${e.movie}`;
        const seen = minutes.get(key) ?? [];
        // a session starts at minute 0 and goes up by one
        expect(e.minute === 0 || e.minute === seen[seen.length - 1] + 1).toBe(true);
        seen.push(e.minute);
        minutes.set(key, seen);
      } else if (e.kind === 'rate') {
        rated.set(`${e.user},${e.movie}`, e.rating);
        const last = minutes.get(`${e.user},${e.movie}`)?.at(-1) ?? -1;
        expect(last).toBeGreaterThanOrEqual(1); // watched 2..4 minutes first
        expect(last).toBeLessThanOrEqual(3);
      }
    }
    expect(Object.fromEntries(rated)).toEqual({ '1,a+1': 5, '2,b+2': 1, '3,c+3': 3 });
  });

  it('is reproducible for a seed', () => {
    const ratings = loadRatings(join(repoRoot, 'data', 'sample', 'ratings.csv')).slice(0, 1000);
    const take = (seed: number) => {
      const s = createLineStream(ratings, seededRandom(seed));
      return Array.from({ length: 50 }, () => s.next('2023-11-29T14:02:11').line);
    };
    expect(take(3)).toEqual(take(3));
    expect(take(3)).not.toEqual(take(4));
  });
});

describe('simulator helpers', () => {
  it('reads ids from the shapes a /recommend body may have', () => {
    expect(idsFromBody('a+1,b+2, c+3')).toEqual(['a+1', 'b+2', 'c+3']);
    expect(idsFromBody('["a+1","b+2"]')).toEqual(['a+1', 'b+2']);
    expect(idsFromBody('{"userId":5,"recommendations":["a+1"]}')).toEqual(['a+1']);
    expect(idsFromBody('[{"id":"a+1","score":1}]')).toEqual(['a+1']);
    expect(idsFromBody('')).toEqual([]);
  });

  it('summarises latencies with nearest-rank percentiles', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toEqual({ count: 100, mean: 50.5, p50: 50, p90: 90, p95: 95, p99: 99, max: 100 });
    expect(summarize([])).toMatchObject({ count: 0, p99: 0, max: 0 });
  });
});
