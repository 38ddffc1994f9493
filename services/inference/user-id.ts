// The `:userId` of /recommend: a positive decimal integer that fits the model's Int32 ids.
import { MAX_USER_ID } from '../model/index.ts';

/** The user id in `raw`, or 0 when it is not a positive integer up to MAX_USER_ID. Allocation-free. */
export function parseUserId(raw: string): number {
  const len = raw.length;
  if (len === 0 || len > 10) return 0;
  let n = 0;
  for (let i = 0; i < len; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    n = n * 10 + d;
  }
  return n <= MAX_USER_ID ? n : 0;
}

/** The one-line reason a bad id is refused (the raw text is quoted and cut, so it cannot break the line). */
export function userIdError(raw: string): string {
  const shown = JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}...` : raw);
  return `userId must be a positive integer between 1 and ${MAX_USER_ID}, got ${shown}`;
}
