// The inference HTTP app: GET /recommend/:userId, /metrics, /healthz, /readyz. Pure of env and
// I/O set-up (main.ts does that), so tests build it with a hand-made model and listen on port 0.
//
// The /recommend path is kept minimal: parse the id without allocating, take the answer from the
// recommender's cache, write the headers straight onto node's response (no res.send: no ETag, no
// content-type sniffing) and count the request in pre-bound metric series.
//
// The plain form of it, `GET /recommend/<digits>`, is answered by the request listener itself,
// before Express (see `plainRecommendId`): under a steady 2,000 req/s the objects Express builds per
// request survive V8's young-generation collections (about 4 MB promoted per scavenge), so every
// ~0.2 s the main thread stopped for a 5-18 ms scavenge, which set the p99; node:http alone under
// the same load has 0.2-0.6 ms scavenges. Anything else (HEAD, a trailing slash, a query string,
// percent-encoding, other letter case, other routes) is handed to the Express app, whose
// /recommend route runs the same handler. The listener is composed around Express, not patched
// into it: `http.createServer(createApp(...))`.
//
// The plain forms of the service routes (`GET /metrics`, `/healthz`, `/readyz`, nothing added) are
// answered the same way, for the sake of /recommend: a request Express handles gets Express's
// prototypes and properties on node's request and response objects, and once a few such shapes
// have passed through node's HTTP code, V8's inline caches there stay megamorphic (slower property
// lookups) for every later answer. Scraped replicas, as Prometheus scrapes every one, spent ~9 %
// more CPU per /recommend answer (docs/benchmarks.md, session 12).
import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';
import { silentLogger } from '../core/logger.ts';
import { createMetrics, type ServiceMetrics } from './metrics.ts';
import { deliveryJudge, parseRequestStart, startOf } from './provenance/delivery.ts';
import type { Held } from './provenance/recorder.ts';
import { ABANDONED_STATUS, type ProvenanceRow } from '../core/provenance/row.ts';
import type { Recommender } from './recommender.ts';
import { requestIdMinter } from './request-id.ts';
import { parseUserId, userIdError } from './user-id.ts';
import { PROVENANCE_HEADER, provenanceHeaderValue, REQUEST_ID } from '../core/nginx-contract.ts';

export const RECOMMEND_ROUTE = '/recommend/:userId';
export const UNMATCHED_ROUTE = 'unmatched';
/**
 * The route label of /recommend answered 503 while the model loads. NGINX retries those on another
 * replica (proxy_next_upstream http_503), so no caller gets them, and they are not the model's
 * answers: a canary starting in place must not be judged on them (services/release/promql.ts).
 */
export const NOT_READY_ROUTE = '/recommend (model not loaded)';
const TEXT = 'text/plain; charset=utf-8';
const T0 = Symbol('request start');

export type Track = 'stable' | 'baseline' | 'canary';

export interface AppOptions {
  /** Absent until the model is loaded (then /readyz and /recommend answer 503); see setModel. */
  recommender?: Recommender;
  version?: string;
  track: Track;
  /** This process's name in X-Replica and in provenance rows (REPLICA_NAME). */
  replica?: string;
  /**
   * Provenance: one row per /recommend GET answered 200, once it is known whether the caller got
   * it (status 200) or had gone (ABANDONED_STATUS); see provenance/delivery.ts.
   */
  recorder?: {
    /** Puts the row in the spool, durable once commit() returns; see ProvenanceRecorder. */
    hold?(row: ProvenanceRow): Held;
    /** Writes the held rows (one write(2)); false when that failed. */
    commit?(): boolean;
    record(row: ProvenanceRow, held?: Held, amended?: boolean): void;
  };
  /**
   * PROVENANCE=nginx: each 200 answer to a GET carries X-Provenance for NGINX's provenance log
   * (nginx-contract.ts), instead of a recorder here. NGINX writes its line once it has passed the
   * answer on, so a row there is by construction the answer the caller got.
   */
  provenanceHeader?: boolean;
  /** NGINX's per-try read timeout: an answer written later may have been abandoned (delivery.ts). */
  acceptWithinMs?: number;
  /** Counts answers the caller did not receive. */
  onAbandoned?: () => void;
  registry: Registry;
  /** Test-only latency added to /recommend (INFERENCE_TEST_DELAY_MS). */
  testDelayMs?: number;
  logger?: Logger;
}

/** The request listener for node:http: the plain /recommend form, else the Express app. */
export type InferenceApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** Installs the loaded model; /readyz turns 200 and model_info is set. */
  setModel(recommender: Recommender, version: string): void;
  readonly metrics: ServiceMetrics;
  /** Everything but the plain forms (see plainRecommendId and the service routes). */
  readonly express: Express;
  /** Requests the listener answered without Express (the plain forms): tests prove the path with it. */
  readonly plainAnswers: number;
};

type Timed = IncomingMessage & { [T0]?: number };

export function createApp(opts: AppOptions): InferenceApp {
  const { track, recorder } = opts;
  const provenanceHeader = opts.provenanceHeader === true;
  if (provenanceHeader && recorder) throw new Error('provenance: a recorder or the X-Provenance header, not both');
  const replica = opts.replica ?? 'replica';
  const log = opts.logger ?? silentLogger;
  const delay = opts.testDelayMs ?? 0;
  const metrics = createMetrics(opts.registry, track);
  // Created now, so /metrics shows this series at zero before the first request: Prometheus'
  // increase() ignores a series' first sample, and a new canary's first requests would be lost.
  const ok = metrics.series('GET', RECOMMEND_ROUTE, 200);
  let recommender: Recommender | undefined;
  let version = '';

  const setModel = (r: Recommender, v: string) => {
    recommender = r;
    version = v;
    metrics.setModel(v);
  };
  if (opts.recommender) setModel(opts.recommender, opts.version ?? 'unknown');

  const mintRequestId = requestIdMinter();
  const requestIdOf = (req: IncomingMessage): string => {
    const incoming = req.headers['x-request-id'];
    return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : mintRequestId();
  };

  const elapsed = (req: IncomingMessage) => performance.now() - ((req as Timed)[T0] ?? performance.now());

  /** Plain-text answer with the service headers; counts it under `route`. */
  const sendText = (req: IncomingMessage, res: ServerResponse, route: string, status: number, body: string, requestId?: string) => {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.statusCode = status;
    res.setHeader('Content-Type', TEXT);
    if (version) res.setHeader('X-Model-Version', version);
    res.setHeader('X-Serving-Track', track);
    res.setHeader('X-Replica', replica);
    res.setHeader('X-Request-Id', requestId ?? requestIdOf(req));
    res.end(body);
    metrics.series(req.method ?? 'GET', route, status).observe(elapsed(req) / 1000);
  };

  // Provenance rows wait for the verdict on delivery; the row is made when the answer is written.
  const acceptWithinMs = opts.acceptWithinMs ?? 180;
  const judge = recorder
    ? deliveryJudge<ProvenanceRow, Held | undefined>(acceptWithinMs, (row, held, got) => {
        if (!got) {
          row.status = ABANDONED_STATUS;
          opts.onAbandoned?.();
        }
        recorder.record(row, held, !got);
      })
    : null;

  /** The 200 answer of /recommend, its metrics and (for a GET) its provenance row. */
  const sendRecommendation = (req: IncomingMessage, res: ServerResponse, requestId: string, userId: number, body: string) => {
    const ms = elapsed(req);
    if (!(judge && req.method === 'GET')) {
      writeAnswer(res, requestId);
      if (provenanceHeader && req.method === 'GET') res.setHeader(PROVENANCE_HEADER, provenanceHeaderValue(userId, ms, body));
      res.end(body);
      (req.method === 'GET' ? ok : metrics.series(req.method ?? 'GET', RECOMMEND_ROUTE, 200)).observe(ms / 1000);
      return;
    }
    const row: ProvenanceRow = { requestId, replica, version, userId, servedAt: Date.now(), track, status: 200, latencyMs: ms, result: body };
    if (res.destroyed || req.socket.destroyed) return abandon(res, row, undefined);
    // On disk before the caller can have it: a caller never holds an answer whose row a crash lost.
    const held = recorder!.hold?.(row);
    if (!recorder!.commit) return deliver(req, res, row, held, true);
    // The answers of this turn of the event loop leave together once one write(2) has made all
    // their rows durable (spool.ts): the check phase (setImmediate) runs after the poll phase has
    // read every ready socket and answered what it could.
    if (turn.push({ req, res, row, held }) === 1) setImmediate(endTurn);
  };

  /** Answers waiting for their rows to be written (see sendRecommendation). */
  let turn: Array<{ req: IncomingMessage; res: ServerResponse; row: ProvenanceRow; held: Held | undefined }> = [];
  const endTurn = () => {
    const answers = turn;
    turn = [];
    const durable = recorder!.commit!();
    for (const a of answers) {
      try {
        deliver(a.req, a.res, a.row, a.held, durable);
      } catch (err) {
        // A bug, not the caller's fault; outside any request handler here, so caught per answer:
        // the other answers of the turn still go. One not sent is abandoned (NGINX retries it
        // elsewhere) and recorded as such.
        log.error('sending an answer failed', { requestId: a.row.requestId, error: err as Error });
        if (!a.res.writableEnded) abandon(a.res, a.row, durable ? a.held : null);
      }
    }
  };

  /** The service headers of a 200 answer. */
  const writeAnswer = (res: ServerResponse, requestId: string) => {
    res.statusCode = 200;
    res.setHeader('Content-Type', TEXT);
    res.setHeader('X-Model-Version', version);
    res.setHeader('X-Serving-Track', track);
    res.setHeader('X-Replica', replica);
    res.setHeader('X-Request-Id', requestId);
  };

  /**
   * The caller hung up while the answer was being made: nobody will read it. Its latency still
   * counts: a replica too slow for NGINX must show as slow to the release judge.
   */
  const abandon = (res: ServerResponse, row: ProvenanceRow, held: Held | undefined) => {
    row.status = ABANDONED_STATUS;
    opts.onAbandoned?.();
    recorder!.record(row, held, held !== undefined);
    res.destroy();
    ok.observe(row.latencyMs / 1000);
  };

  /** Sends a recorded answer; `durable`: its row's spool write succeeded (else it lives in memory only). */
  const deliver = (req: IncomingMessage, res: ServerResponse, row: ProvenanceRow, heldRow: Held | undefined, durable: boolean) => {
    const held = durable ? heldRow : null;
    if (res.destroyed || req.socket.destroyed) return abandon(res, row, held);
    writeAnswer(res, row.requestId);
    const start = startOf(parseRequestStart(req.headers['x-request-start']), row.servedAt - row.latencyMs);
    if (Date.now() - start < acceptWithinMs) {
      // Written while NGINX certainly still waits for it: delivered whatever the socket does next
      // (delivery.ts), so no verdict to wait for. Only late answers go through the judge.
      res.end(row.result);
      recorder!.record(row, held);
    } else {
      const socket = req.socket;
      res.end(row.result, () => judge!.written(row, held, socket, start, !res.shouldKeepAlive));
    }
    ok.observe(row.latencyMs / 1000);
  };
  const reply =
    delay > 0
      ? (req: IncomingMessage, res: ServerResponse, requestId: string, userId: number, body: string) =>
          void setTimeout(sendRecommendation, delay, req, res, requestId, userId, body)
      : sendRecommendation;
  // Never an error for the caller: a failing ranking falls back to the popularity list.
  const fallback = (err: unknown, userId: number, model: Recommender): string => {
    log.error('ranking failed; served the cold-start list', { userId, error: err as Error });
    return model.coldStart;
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // First in the chain, so durations cover routing as well as the handler.
  app.use((req: Request, _res: Response, next: NextFunction) => {
    (req as Timed)[T0] = performance.now();
    next();
  });

  /** The /recommend handler, given the raw `:userId` text (from Express or from fastRecommend). */
  const recommend = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const requestId = requestIdOf(req);
    const userId = parseUserId(raw);
    if (userId === 0) return sendText(req, res, RECOMMEND_ROUTE, 400, userIdError(raw), requestId);
    const model = recommender;
    if (!model) return sendText(req, res, NOT_READY_ROUTE, 503, 'model not loaded yet', requestId);
    let answer: string | Promise<string>;
    try {
      answer = model.recommend(userId);
    } catch (err) {
      answer = fallback(err, userId, model);
    }
    if (typeof answer === 'string') reply(req, res, requestId, userId, answer);
    else
      answer.then(
        (body) => reply(req, res, requestId, userId, body),
        (err: unknown) => reply(req, res, requestId, userId, fallback(err, userId, model)),
      );
  };
  app.get(RECOMMEND_ROUTE, (req: Request<{ userId: string }>, res: Response) => recommend(req, res, req.params.userId));

  const healthz = (req: IncomingMessage, res: ServerResponse) => sendText(req, res, '/healthz', 200, 'ok');
  const readyz = (req: IncomingMessage, res: ServerResponse) =>
    recommender
      ? sendText(req, res, '/readyz', 200, `ready version=${version}`)
      : sendText(req, res, '/readyz', 503, 'model not loaded yet');
  const metricsPage = async (req: IncomingMessage, res: ServerResponse) => {
    const text = await opts.registry.metrics();
    res.statusCode = 200;
    res.setHeader('Content-Type', opts.registry.contentType);
    res.setHeader('X-Serving-Track', track);
    res.end(text);
    metrics.series(req.method ?? 'GET', '/metrics', 200).observe(elapsed(req) / 1000);
  };
  app.get('/healthz', healthz);
  app.get('/readyz', readyz);
  app.get('/metrics', metricsPage);

  app.use((req: Request, res: Response) => sendText(req, res, UNMATCHED_ROUTE, 404, 'not found'));

  // Malformed URLs (bad percent-encoding) and anything unexpected: a 4xx with a one-line reason,
  // never a 500 page or a crash.
  const answerError = (err: unknown, req: IncomingMessage, res: ServerResponse, route: string, path: string) => {
    const e = err as { status?: number; statusCode?: number; message?: string };
    const given = e?.status ?? e?.statusCode;
    const status = typeof given === 'number' && given >= 400 && given < 500 ? given : 400;
    if (status === 400 && given !== 400) log.warn('unexpected error answered 400', { path, error: e?.message });
    const reason = given === 400 && /decode param/.test(e?.message ?? '') ? 'malformed percent-encoding in the URL' : 'bad request';
    sendText(req, res, route, status, reason);
  };
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) =>
    answerError(err, req, res, req.route?.path ?? (req.path.startsWith('/recommend/') ? RECOMMEND_ROUTE : UNMATCHED_ROUTE), req.path),
  );

  let plainAnswers = 0;
  /** The service routes in their plain form (`GET /metrics` exactly), answered without Express. */
  const plainService = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>([
    ['/healthz', healthz],
    ['/readyz', readyz],
    ['/metrics', (req, res) => void metricsPage(req, res).catch((err: unknown) => answerError(err, req, res, '/metrics', '/metrics'))],
  ]);

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const raw = plainRecommendId(req);
    const service = raw === null && req.method === 'GET' ? plainService.get(req.url ?? '') : undefined;
    if (raw === null && !service) return void app(req, res);
    (req as Timed)[T0] = performance.now();
    try {
      plainAnswers++;
      if (raw !== null) recommend(req, res, raw);
      else service!(req, res);
    } catch (err) {
      // Nothing sent yet: let Express serve the request from the start, so a failure is answered
      // exactly as on the routed path. Else what Express does after a throw: the error handler.
      if (!res.headersSent) return void app(req, res);
      answerError(err, req, res, raw !== null ? RECOMMEND_ROUTE : req.url!, req.url ?? '');
    }
  };

  const api = Object.assign(listener, { setModel, metrics, express: app });
  // A getter, not a copied value (Object.assign would read it once).
  return Object.defineProperty(api, 'plainAnswers', { get: () => plainAnswers, enumerable: true }) as InferenceApp;
}

const RECOMMEND_PREFIX = '/recommend/';

/**
 * The `:userId` of a `GET /recommend/<digits>` request, or null for any other request (those go
 * through Express). Only ASCII digits, so the route match, the decoding and the id are the same as
 * Express's for these URLs.
 */
export function plainRecommendId(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return null;
  const url = req.url;
  if (url === undefined || !url.startsWith(RECOMMEND_PREFIX)) return null;
  const len = url.length;
  if (len === RECOMMEND_PREFIX.length) return null;
  for (let i = RECOMMEND_PREFIX.length; i < len; i++) {
    const c = url.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  return url.slice(RECOMMEND_PREFIX.length);
}
