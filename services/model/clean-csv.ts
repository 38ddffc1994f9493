// The clean CSV files (data/clean_ratings.csv, data/clean_watch.csv) and the pipeline's journal:
// their rows, headers, formatting and strict parsing of one row (pure). The pipeline writes these
// files and the model trains on them, so the format lives here, with its one reader, and the
// pipeline imports it through index.ts. Movie ids never hold commas or quotes (movie-id.ts), so
// rows need no CSV quoting.
import { isValidMovieId } from './movie-id.ts';
import { isValidTimestamp } from './timestamp.ts';

/** User ids are stored as Int32 in the model. */
export const MAX_USER_ID = 2 ** 31 - 1;

/** One rating as the clean file holds it: the latest per (user, movie). */
export interface RatingRow {
  user: number;
  movie: string;
  rating: number;
  /** Timestamp as logged (timestamp.ts). */
  at: string;
}

/** One watched (user, movie) as the clean file holds it. */
export interface WatchRow {
  user: number;
  movie: string;
  /** The highest minute index requested (0 = the first minute). */
  minutes: number;
  lastSeen: string;
}

export const RATING_HEADER = 'user_id,movie_id,rating,timestamp';
export const WATCH_HEADER = 'user_id,movie_id,minutes,last_seen';

export const formatRating = (r: RatingRow): string => `${r.user},${r.movie},${r.rating},${r.at}`;
export const formatWatch = (w: WatchRow): string => `${w.user},${w.movie},${w.minutes},${w.lastSeen}`;

const INT = /^(0|[1-9][0-9]{0,9})$/;

/** The four fields of a row, or an error message. */
function fields(line: string): string[] | string {
  const f = line.split(',');
  if (f.length !== 4) return `expected 4 fields, found ${f.length}`;
  return f;
}

function userOf(s: string, maxUserId: number): number | string {
  if (!INT.test(s)) return `user_id '${s}' is not a positive integer`;
  const user = Number(s);
  if (user < 1 || user > maxUserId) return `user_id ${user} is outside 1..${maxUserId}`;
  return user;
}

export interface RowLimits {
  ratingMin: number;
  ratingMax: number;
  maxUserId: number;
}

export const LENIENT_LIMITS: RowLimits = { ratingMin: 0, ratingMax: 1000, maxUserId: Number.MAX_SAFE_INTEGER };

/** The fields of a row whose user and movie are valid (both files start with them), or an error message. */
function userAndMovie(line: string, limits: RowLimits): { f: string[]; user: number } | string {
  const f = fields(line);
  if (typeof f === 'string') return f;
  const user = userOf(f[0], limits.maxUserId);
  if (typeof user === 'string') return user;
  if (!isValidMovieId(f[1])) return f[1] === '' ? 'empty movie_id' : `invalid movie_id '${f[1]}'`;
  return { f, user };
}

/** A clean-ratings row, or a message saying what is wrong with it. */
export function parseRatingRow(line: string, limits: RowLimits = LENIENT_LIMITS): RatingRow | string {
  const head = userAndMovie(line, limits);
  if (typeof head === 'string') return head;
  const { f, user } = head;
  if (!INT.test(f[2])) return `rating '${f[2]}' is not an integer`;
  const rating = Number(f[2]);
  if (rating < limits.ratingMin || rating > limits.ratingMax) return `rating ${rating} is outside ${limits.ratingMin}..${limits.ratingMax}`;
  if (!isValidTimestamp(f[3])) return `invalid timestamp '${f[3]}'`;
  return { user, movie: f[1], rating, at: f[3] };
}

/** A clean-watches row, or a message saying what is wrong with it. */
export function parseWatchRow(line: string, limits: RowLimits = LENIENT_LIMITS): WatchRow | string {
  const head = userAndMovie(line, limits);
  if (typeof head === 'string') return head;
  const { f, user } = head;
  if (!INT.test(f[2])) return `minutes '${f[2]}' is not a non-negative integer`;
  if (!isValidTimestamp(f[3])) return `invalid last_seen '${f[3]}'`;
  return { user, movie: f[1], minutes: Number(f[2]), lastSeen: f[3] };
}
