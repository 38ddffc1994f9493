// Simulated users who watch what they would have liked (pure; time is passed in). When an answer
// lists a movie of the user's future (held-out.ts), the user watches it, soon after, a few
// minutes (one line per minute) and then rates it with their held-out rating; otherwise they
// sometimes watch something else: another movie of their future or a popular one. So a model
// whose lists hold more of the users' futures gets a higher watch-through, as real users would
// give it. Reproducible: the same seed and the same answers give the same lines.
import { rateLine, watchLine } from './lines.ts';
import { type Random, randomInt } from './random.ts';
import type { Futures } from './held-out.ts';
import { type LineKind, scaleRating } from './sessions.ts';

export interface AudienceOptions {
  /** Chance that a listed future movie is watched (default 0.9). */
  followProbability?: number;
  /** Chance of watching something else after an answer with no future movie (default 0.1). */
  otherProbability?: number;
  /** Of those, the share that is a popular movie rather than one of the user's future (default 0.5). */
  popularShare?: number;
  /** Delay from the answer to the first minute, inclusive range (default 1..5 s). */
  delayMs?: [number, number];
  /** Minutes watched, inclusive range (default 3..10). */
  minutes?: [number, number];
  /** Time between two minute lines (default 1 s: the simulator compresses time). */
  minuteMs?: number;
  ratingScale?: [number, number];
}

export interface AudienceStats {
  answers: number;
  /** Watches of a listed future movie. */
  followed: number;
  /** Watches of something not listed. */
  other: number;
}

export interface Audience {
  /** An answer listing `ids` reached `user` at `nowMs`; returns the movie the user will watch, if any. */
  respond(user: number, ids: readonly string[], nowMs: number): string | null;
  /** The lines due by `nowMs`, stamped `at`, in order. */
  due(nowMs: number, at: string): Array<{ kind: LineKind; line: string }>;
  stats(): AudienceStats;
}

interface Plan {
  user: number;
  movie: string;
  nextAt: number;
  minute: number;
  lastMinute: number;
  rating: number | undefined;
}

export function createAudience(futures: Futures, rnd: Random, opts: AudienceOptions = {}): Audience {
  const follow = opts.followProbability ?? 0.9;
  const other = opts.otherProbability ?? 0.1;
  const popularShare = opts.popularShare ?? 0.5;
  const [delayMin, delayMax] = opts.delayMs ?? [1_000, 5_000];
  const [minMinutes, maxMinutes] = opts.minutes ?? [3, 10];
  const minuteMs = opts.minuteMs ?? 1_000;
  const scale = opts.ratingScale ?? [1, 5];
  // What a user has left to discover; watched movies leave it (a film is watched once).
  const left = new Map([...futures.future].map(([user, movies]) => [user, new Map(movies)]));
  const watchedPopular = new Map<number, Set<string>>();
  let plans: Plan[] = [];
  const stats: AudienceStats = { answers: 0, followed: 0, other: 0 };

  const pickOther = (user: number, mine: Map<string, number> | undefined): string | null => {
    if (mine?.size && rnd() >= popularShare) return [...mine.keys()][Math.floor(rnd() * mine.size)];
    const seen = watchedPopular.get(user);
    const candidates = futures.popular.filter((m) => !seen?.has(m));
    return candidates.length ? candidates[Math.floor(rnd() * candidates.length)] : null;
  };

  return {
    respond(user, ids, nowMs) {
      stats.answers++;
      const mine = left.get(user);
      const hit = mine ? ids.find((id) => mine.has(id)) : undefined;
      let movie: string | null = null;
      if (hit !== undefined && rnd() < follow) {
        movie = hit;
        stats.followed++;
      } else if (rnd() < other) {
        movie = pickOther(user, mine);
        if (movie !== null) stats.other++;
      }
      if (movie === null) return null;
      const rating = mine?.get(movie);
      mine?.delete(movie);
      if (rating === undefined) {
        let seen = watchedPopular.get(user);
        if (!seen) watchedPopular.set(user, (seen = new Set()));
        seen.add(movie);
      }
      plans.push({ user, movie, nextAt: nowMs + randomInt(rnd, delayMin, delayMax), minute: 0, lastMinute: randomInt(rnd, minMinutes, maxMinutes) - 1, rating });
      return movie;
    },
    due(nowMs, at) {
      const out: Array<{ kind: LineKind; line: string }> = [];
      for (const p of plans) {
        while (p.minute <= p.lastMinute && p.nextAt <= nowMs) {
          out.push({ kind: 'watch', line: watchLine(at, p.user, p.movie, p.minute++) });
          p.nextAt += minuteMs;
        }
        if (p.minute > p.lastMinute && p.rating !== undefined && p.nextAt <= nowMs) {
          out.push({ kind: 'rate', line: rateLine(at, p.user, p.movie, scaleRating(p.rating, scale)) });
          p.rating = undefined;
        }
      }
      plans = plans.filter((p) => p.minute <= p.lastMinute || p.rating !== undefined);
      return out;
    },
    stats: () => ({ ...stats }),
  };
}
