// Ratings file readers: the project's clean CSV (parsed by clean-csv.ts, the format's one
// parser), MovieLens u.data and MovieLens ratings.csv. Bad rows are counted and reported with
// file, line and reason, then skipped; they never stop a read. The file is streamed, so its size
// is not bounded by the string length limit.
import { MAX_USER_ID, parseRatingRow, RATING_HEADER } from './clean-csv.ts';
import { parseTime } from './interactions.ts';
import { forEachLine } from './lines.ts';
import { MarqueeError } from '../core/errors.ts';

export interface Rating {
  user: number;
  movie: string;
  rating: number;
  /** Epoch ms of the rating; read only with `ReadOptions.timestamps`. */
  at?: number;
}

export interface RowError {
  file: string;
  line: number;
  reason: string;
}

export type RatingsFormat = 'clean' | 'udata' | 'mlcsv';

export interface ReadOptions {
  format?: 'auto' | RatingsFormat;
  ratingMin?: number;
  ratingMax?: number;
  /** Also parse the timestamp column into `at` (unix seconds or ISO-8601 local time read as UTC). */
  timestamps?: boolean;
}

export interface ReadResult {
  rows: Rating[];
  bad: number;
  /** The first MAX_ROW_ERRORS bad rows; `bad` counts all of them. */
  errors: RowError[];
}

export const MAX_ROW_ERRORS = 100;
const MLCSV_HEADER = 'userId,movieId,rating,timestamp';
const DIGITS = /^[0-9]+$/;

/** The format a first line reveals, and whether that line is a header to skip; undefined if unknown. */
export function detectFormat(firstLine: string): { format: RatingsFormat; header: boolean } | undefined {
  const line = firstLine.replace(/^\uFEFF/, '').replace(/\r$/, '');
  if (line.startsWith(RATING_HEADER)) return { format: 'clean', header: true };
  if (line.startsWith(MLCSV_HEADER)) return { format: 'mlcsv', header: true };
  if (line.includes('\t')) return { format: 'udata', header: false };
  return undefined;
}

/** Parse one data line; returns the row, or the reason it is bad. */
export function parseRatingLine(line: string, format: RatingsFormat, ratingMin: number, ratingMax: number, timestamps = false): Rating | string {
  if (line.length === 0) return 'empty line';
  if (format === 'clean') {
    const row = parseRatingRow(line, { ratingMin, ratingMax, maxUserId: MAX_USER_ID });
    if (typeof row === 'string') return row;
    const rating: Rating = { user: row.user, movie: row.movie, rating: row.rating };
    if (timestamps) rating.at = parseTime(row.at);
    return rating;
  }
  const fields = line.split(format === 'udata' ? '\t' : ',');
  if (fields.length !== 4) return `expected 4 fields, found ${fields.length}`;
  const [userText, item, ratingText] = fields;
  if (!DIGITS.test(userText)) return `user id '${clip(userText)}' is not a positive integer`;
  const user = Number(userText);
  if (user < 1 || user > MAX_USER_ID) return `user id ${userText} is outside 1..${MAX_USER_ID}`;
  if (item.length === 0) return 'empty movie id';
  const rating = ratingText.trim() === '' ? NaN : Number(ratingText);
  if (!Number.isFinite(rating)) return `rating '${clip(ratingText)}' is not a number`;
  if (rating < ratingMin || rating > ratingMax) return `rating ${ratingText} is outside [${ratingMin}, ${ratingMax}]`;
  if (!timestamps) return { user, movie: item, rating };
  const at = parseTime(fields[3]);
  if (!Number.isFinite(at)) return `timestamp '${clip(fields[3])}' is not a time`;
  return { user, movie: item, rating, at };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

export async function readRatingsFile(path: string, opts: ReadOptions = {}): Promise<ReadResult> {
  const ratingMin = opts.ratingMin ?? 1;
  const ratingMax = opts.ratingMax ?? 5;
  let format: RatingsFormat | undefined = opts.format === 'auto' ? undefined : opts.format;
  const rows: Rating[] = [];
  const errors: RowError[] = [];
  let bad = 0;
  let lineNo = 0;

  const handle = (raw: string): void => {
    lineNo++;
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (lineNo === 1) {
      line = line.replace(/^\uFEFF/, '');
      const detected = detectFormat(line);
      if (!format) {
        if (!detected) {
          throw new MarqueeError(
            'INPUT',
            `cannot detect the format of ratings file ${path}: its first line '${clip(line)}' is neither a ` +
              `header (${RATING_HEADER} or ${MLCSV_HEADER}) nor tab-separated u.data; pass a format explicitly`,
          );
        }
        format = detected.format;
      }
      if (detected?.header) return;
    }
    const parsed = parseRatingLine(line, format!, ratingMin, ratingMax, opts.timestamps);
    if (typeof parsed === 'string') {
      bad++;
      if (errors.length < MAX_ROW_ERRORS) errors.push({ file: path, line: lineNo, reason: parsed });
    } else {
      rows.push(parsed);
    }
  };

  await forEachLine(path, handle);
  return { rows, bad, errors };
}
