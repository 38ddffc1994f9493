// What NGINX and the replicas must agree on: the per-try timeouts and the request-id rule.
// Declared here, not in the config renderer (deploy/config/nginx-conf.ts), because the replicas
// use them at run time too: an answer written after the read timeout may have been abandoned for
// a retry (inference/provenance/delivery.ts), and both keep a caller's request id by one rule.

/** The course simulator gives up on an answer after this long. */
export const SIMULATOR_BUDGET_MS = 600;

/**
 * Per-try timeouts and the retry window. NGINX checks proxy_next_upstream_timeout only when it
 * decides whether to retry; it does not cut a try short. So the last answer can come as late as
 * (window + one whole try), and a whole try is connect + read (a GET's body is sent at once).
 * Replicas answer in a few ms (p99 < 10 ms, docs/benchmarks.md), so 180 ms is already ~20x a slow
 * answer; a connect to a container on the Compose bridge takes well under 1 ms, so 40 ms only
 * matters for a stopped one. The window leaves 120 ms after a first read timeout, so a hung
 * replica is always retried once, even on a busy host. Worst case 300 + 40 + 180 = 520 ms:
 * 80 ms of the simulator's 600 ms are left for the network.
 */
export const PROXY_TIMEOUTS = { connectMs: 40, readMs: 180, retryWindowMs: 300, tries: 3 } as const;
export type ProxyTimeouts = { connectMs: number; readMs: number; retryWindowMs: number; tries: number };

/** Latest NGINX answers (504 or a retried 200) after the request arrived, in ms. */
export function worstCaseAnswerMs(t: ProxyTimeouts = PROXY_TIMEOUTS): number {
  const oneTry = t.connectMs + t.readMs;
  return Math.min(t.tries * oneTry, t.retryWindowMs + oneTry);
}

/**
 * Caller request ids kept as they are (NGINX, the replicas, and reccom.request_id's column: ASCII,
 * at most 64); anything else is replaced, so no caller text reaches a log, a header or a row.
 */
export const REQUEST_ID_SOURCE = '^[A-Za-z0-9._:-]{1,64}$';
export const REQUEST_ID = new RegExp(REQUEST_ID_SOURCE);

/**
 * PROVENANCE=nginx: a replica's 200 answer to GET /recommend carries this header, and NGINX writes
 * one line per answer it passed on to its provenance log (deploy/config/nginx-conf.ts), which the
 * provenance shipper (services/provenance/shipper) puts into `reccom`. NGINX hides the header from
 * the caller. Its value holds what NGINX does not know itself: `<userId> <latencyMs> <ids>`.
 */
export const PROVENANCE_HEADER = 'X-Provenance';

/** The X-Provenance value of one answer; the latency rounded to µs keeps the header short. */
export function provenanceHeaderValue(userId: number, latencyMs: number, result: string): string {
  return `${userId} ${Math.round(latencyMs * 1000) / 1000} ${result}`;
}
