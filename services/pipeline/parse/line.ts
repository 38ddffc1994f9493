// The course log-line parser. Pure and total: it never throws, and returns either an event or a
// rejection with a reason code. Written with indexOf/charCodeAt (no regexes) to stay fast.
//   <ts>,<user>,GET /data/m/<movie>/<minute>.mpg
//   <ts>,<user>,GET /rate/<movie>=<rating>
//   <ts>,<user>,recommendation request <host>:<port>, status <code>, result: <ids or error>, <n> ms
import { isValidTimestamp, normalizeMovieId } from '../../model/index.ts';
import {
  DEFAULT_PARSE_OPTIONS,
  type ParseOptions,
  type ParseResult,
  type RejectReason,
  type Rejection,
  REJECT_REASONS,
} from './types.ts';

export const MAX_LINE_LENGTH = 16_384;
/** No movie is this long; a larger minute index is corrupt. */
export const MAX_MINUTE = 100_000;

const WATCH_PREFIX = 'GET /data/m/';
const RATE_PREFIX = 'GET /rate/';
const RECO_PREFIX = 'recommendation request ';
const STATUS_SEP = ', status ';
const RESULT_SEP = ', result: ';

// One shared, frozen object per reason: rejections allocate nothing.
const REJECT = Object.fromEntries(REJECT_REASONS.map((r) => [r, Object.freeze({ kind: 'rejected', reason: r })])) as Record<
  RejectReason,
  Rejection
>;

/** Non-negative decimal integer in s[from, to) without sign or leading zeros; -1 if not one. */
function parseUint(s: string, from: number, to: number, maxDigits: number): number {
  const len = to - from;
  if (len <= 0 || len > maxDigits) return -1;
  if (len > 1 && s.charCodeAt(from) === 48) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

export function parseLine(input: string, opts: ParseOptions = DEFAULT_PARSE_OPTIONS): ParseResult {
  if (typeof input !== 'string') return REJECT.malformed;
  let line = input;
  // Tolerate CRLF files and a trailing newline; nothing else is trimmed.
  let end = line.length;
  while (end > 0 && (line.charCodeAt(end - 1) === 10 || line.charCodeAt(end - 1) === 13)) end--;
  if (end !== line.length) line = line.slice(0, end);
  if (line.length === 0) return REJECT.empty;
  if (line.length > MAX_LINE_LENGTH) return REJECT.too_long;

  const c1 = line.indexOf(',');
  if (c1 === -1) return REJECT.malformed;
  const c2 = line.indexOf(',', c1 + 1);
  if (c2 === -1) return REJECT.malformed;

  const at = line.slice(0, c1);
  if (!isValidTimestamp(at)) return REJECT.bad_timestamp;
  const user = parseUint(line, c1 + 1, c2, 10);
  if (user < 1 || user > opts.maxUserId) return REJECT.bad_user;

  const req = c2 + 1;
  if (line.startsWith(WATCH_PREFIX, req)) {
    const slash = line.lastIndexOf('/');
    const idStart = req + WATCH_PREFIX.length;
    if (slash < idStart) return REJECT.bad_movie;
    const movie = normalizeMovieId(line.slice(idStart, slash));
    if (movie === null) return REJECT.bad_movie;
    if (!line.endsWith('.mpg')) return REJECT.bad_minute;
    const minute = parseUint(line, slash + 1, line.length - 4, 6);
    if (minute < 0 || minute > MAX_MINUTE) return REJECT.bad_minute;
    return { kind: 'watch', at, user, movie, minute };
  }
  if (line.startsWith(RATE_PREFIX, req)) {
    const eq = line.lastIndexOf('=');
    const idStart = req + RATE_PREFIX.length;
    if (eq < idStart) return REJECT.bad_rating;
    const movie = normalizeMovieId(line.slice(idStart, eq));
    if (movie === null) return REJECT.bad_movie;
    const rating = parseUint(line, eq + 1, line.length, 3);
    if (rating < opts.ratingMin || rating > opts.ratingMax) return REJECT.bad_rating;
    return { kind: 'rate', at, user, movie, rating };
  }
  if (line.startsWith(RECO_PREFIX, req)) return parseRecommendation(line, req + RECO_PREFIX.length, at, user);
  return REJECT.unknown_request;
}

function parseRecommendation(line: string, from: number, at: string, user: number): ParseResult {
  const statusAt = line.indexOf(STATUS_SEP, from);
  if (statusAt === -1) return REJECT.bad_recommendation;
  const server = line.slice(from, statusAt);
  const colon = server.lastIndexOf(':');
  if (colon < 1 || server.indexOf(' ') !== -1 || server.indexOf(',') !== -1) return REJECT.bad_recommendation;
  const port = parseUint(server, colon + 1, server.length, 5);
  if (port < 1 || port > 65535) return REJECT.bad_recommendation;

  const statusFrom = statusAt + STATUS_SEP.length;
  const resultAt = line.indexOf(RESULT_SEP, statusFrom);
  if (resultAt === -1) return REJECT.bad_recommendation;
  const status = parseUint(line, statusFrom, resultAt, 3);
  if (status < 0 || status > 599) return REJECT.bad_recommendation;

  // The latency is the LAST `, <n> ms`: error texts may themselves hold commas and "ms".
  if (!line.endsWith(' ms')) return REJECT.bad_recommendation;
  const latencyEnd = line.length - 3;
  const resultFrom = resultAt + RESULT_SEP.length;
  const lastSep = line.lastIndexOf(', ', latencyEnd - 1);
  if (lastSep < resultAt) return REJECT.bad_recommendation;
  const latencyMs = parseUint(line, lastSep + 2, latencyEnd, 9);
  if (latencyMs < 0) return REJECT.bad_recommendation;
  // `result: , 56 ms` (an empty list) puts the separator just before the result text.
  const text = lastSep >= resultFrom ? line.slice(resultFrom, lastSep) : '';

  if (status !== 200) return { kind: 'recommendation', at, user, server, status, results: null, error: text, latencyMs };
  const results: string[] = [];
  if (text !== '') {
    let start = 0;
    for (;;) {
      const sep = text.indexOf(', ', start);
      const id = normalizeMovieId(sep === -1 ? text.slice(start) : text.slice(start, sep));
      if (id === null) return REJECT.bad_result;
      results.push(id);
      if (sep === -1) break;
      start = sep + 2;
    }
  }
  return { kind: 'recommendation', at, user, server, status, results, error: null, latencyMs };
}
