// Retry with exponential backoff, for operations that fail transiently (a git push over the network).
import { setTimeout as sleep } from 'node:timers/promises';
import { asError, MarqueeError } from '../../core/errors.ts';

export interface RetryOptions {
  /** Total attempts, at least 1. */
  tries: number;
  /** Wait before the 2nd attempt; doubles each time after. */
  backoffMs: number;
  maxBackoffMs?: number;
  onRetry?: (attempt: number, error: Error, waitMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/** Every attempt failed; the last failure is `last` and the standard `cause`. */
export class RetryError extends MarqueeError {
  readonly attempts: number;
  readonly last: Error;

  constructor(
    attempts: number,
    last: Error,
  ) {
    super('RETRY_EXHAUSTED', `failed after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${last.message}`, { cause: last });
    this.attempts = attempts;
    this.last = last;
  }
}

/** The wait before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(attempt: number, backoffMs: number, maxBackoffMs = Number.POSITIVE_INFINITY): number {
  return Math.min(maxBackoffMs, backoffMs * 2 ** (attempt - 1));
}

export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<{ value: T; attempts: number }> {
  if (!Number.isInteger(opts.tries) || opts.tries < 1) throw new Error(`tries must be a positive integer, got ${opts.tries}`);
  const pause = opts.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return { value: await fn(attempt), attempts: attempt };
    } catch (err) {
      const error = asError(err);
      if (attempt >= opts.tries) throw new RetryError(attempt, error);
      const wait = backoffDelay(attempt, opts.backoffMs, opts.maxBackoffMs);
      opts.onRetry?.(attempt, error, wait);
      await pause(wait);
    }
  }
}
