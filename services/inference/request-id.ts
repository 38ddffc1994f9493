// Request ids for requests that arrive without one (NGINX mints its own; see nginx-conf.ts).
// Same shape as NGINX's, <epoch s>.<ms>-<16 hex>, so that ids sort by time: reccom's request-id
// index then grows at its end instead of at random places. The 16 hex are a random per-process
// prefix and a counter: unique without asking the CSPRNG on every request.
import { randomBytes } from 'node:crypto';

export const REQUEST_ID_SHAPE = /^\d{10}\.\d{3}-[0-9a-f]{16}$/;

/** A minter of time-ordered ids; `now` is injectable for tests. */
export function requestIdMinter(now: () => number = Date.now): () => string {
  const prefix = randomBytes(4).toString('hex');
  let counter = 0;
  return () => {
    counter = (counter + 1) >>> 0;
    return `${(now() / 1000).toFixed(3)}-${prefix}${counter.toString(16).padStart(8, '0')}`;
  };
}
