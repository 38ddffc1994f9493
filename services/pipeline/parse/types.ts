// What one course log line becomes: an event, or a rejection with a reason code.

/** `at` is always the timestamp exactly as logged (local time, no zone), e.g. `2023-11-29T14:05:40`. */
export interface WatchEvent {
  kind: 'watch';
  at: string;
  user: number;
  movie: string;
  minute: number;
}

export interface RateEvent {
  kind: 'rate';
  at: string;
  user: number;
  movie: string;
  rating: number;
}

export interface RecommendationEvent {
  kind: 'recommendation';
  at: string;
  user: number;
  /** `host:port` of the service that answered. */
  server: string;
  /** HTTP status; 0 when the request failed (timeout, connection refused). */
  status: number;
  /** Movie ids when status is 200, else null. */
  results: string[] | null;
  /** Error text when status is not 200, else null. */
  error: string | null;
  latencyMs: number;
}

export type LogEvent = WatchEvent | RateEvent | RecommendationEvent;

export const REJECT_REASONS = [
  'empty',
  'too_long',
  'malformed',
  'bad_timestamp',
  'bad_user',
  'bad_movie',
  'bad_rating',
  'bad_minute',
  'bad_recommendation',
  'bad_result',
  'unknown_request',
] as const;

export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  kind: 'rejected';
  reason: RejectReason;
}

export type ParseResult = LogEvent | Rejection;

export interface ParseOptions {
  ratingMin: number;
  ratingMax: number;
  maxUserId: number;
}

export const DEFAULT_PARSE_OPTIONS: Readonly<ParseOptions> = Object.freeze({ ratingMin: 1, ratingMax: 5, maxUserId: 1_000_000 });
