// The simulated audience (pure): many users watching at once. Each session replays one rating
// from the data set: the user watches a few consecutive minutes of the movie (one line per
// minute), then rates it. Lines of concurrent sessions interleave, as in the course's stream.
import { rateLine, watchLine } from './lines.ts';
import { type Random, randomInt } from './random.ts';
import type { InputRating } from './ratings-input.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface SessionOptions {
  /** Sessions in progress at once (default 50). */
  concurrency?: number;
  /** Minutes watched per session, inclusive range (default 3..10). */
  minutes?: [number, number];
  /** Probability that a session ends with a rate line (default 1: every rating is replayed). */
  rateProbability?: number;
  ratingScale?: [number, number];
}

interface Session {
  rating: InputRating;
  minute: number;
  lastMinute: number;
}

export type LineKind = 'watch' | 'rate';

export interface LineStream {
  next(at: string): { kind: LineKind; line: string };
}

/** A data set's rating (MovieLens has halves) as a whole rating of the course's scale. */
export const scaleRating = (rating: number, [min, max]: [number, number]): number => Math.min(max, Math.max(min, Math.round(rating)));

export function createLineStream(ratings: ReadonlyArray<InputRating>, rnd: Random, opts: SessionOptions = {}): LineStream {
  if (ratings.length === 0) throw new MarqueeError('INPUT', 'no ratings to simulate');
  const [minMinutes, maxMinutes] = opts.minutes ?? [3, 10];
  const [ratingMin, ratingMax] = opts.ratingScale ?? [1, 5];
  const rateProbability = opts.rateProbability ?? 1;
  // A user watches one movie at a time: a new session prefers a user who is not watching already.
  const active = new Map<number, number>();
  const start = (): Session => {
    let rating = ratings[Math.floor(rnd() * ratings.length)];
    for (let tries = 0; tries < 20 && active.has(rating.user); tries++) rating = ratings[Math.floor(rnd() * ratings.length)];
    active.set(rating.user, (active.get(rating.user) ?? 0) + 1);
    return { rating, minute: 0, lastMinute: randomInt(rnd, minMinutes, maxMinutes) - 1 };
  };
  const end = (s: Session) => {
    const n = (active.get(s.rating.user) ?? 1) - 1;
    if (n > 0) active.set(s.rating.user, n);
    else active.delete(s.rating.user);
  };
  const sessions = Array.from({ length: Math.max(1, opts.concurrency ?? 50) }, start);
  return {
    next(at) {
      const i = Math.floor(rnd() * sessions.length);
      const s = sessions[i];
      const { user, movie, rating } = s.rating;
      if (s.minute <= s.lastMinute) {
        const line = watchLine(at, user, movie, s.minute++);
        if (s.minute > s.lastMinute && rnd() >= rateProbability) {
          end(s);
          sessions[i] = start();
        }
        return { kind: 'watch', line };
      }
      end(s);
      sessions[i] = start();
      return { kind: 'rate', line: rateLine(at, user, movie, scaleRating(rating, [ratingMin, ratingMax])) };
    },
  };
}
