// The course simulator, locally: replays a rating data set as a live log stream (watch minutes and
// rate lines at a steady rate) and, given a service URL, sends `GET /recommend/<user>` at a steady
// rate and logs each answer as a `recommendation request` line. Open loop: requests are sent on
// schedule whether or not earlier ones have answered (up to maxInFlight), as real users would.
// Two audiences: `replay` (default) replays every rating; `future` replays each user's past and
// has them watch the held-out rest only as answers bring it to them (audience.ts), so a better
// model earns a higher watch-through.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, silentLogger } from '../../core/logger.ts';
import { formatLocalTimestamp } from '../../model/index.ts';
import { type Audience, type AudienceOptions, type AudienceStats, createAudience } from './audience.ts';
import { splitFutures } from './held-out.ts';
import { recommendationLine } from './lines.ts';
import { seededRandom } from './random.ts';
import { type InputRating, loadRatings } from './ratings-input.ts';
import { requestRecommendations } from './requester.ts';
import { createLineStream, type SessionOptions } from './sessions.ts';
import { createKafkaSink, type LineSink } from './sinks.ts';
import { type LatencySummary, summarize } from './stats.ts';
import { MarqueeError } from '../../core/errors.ts';

export interface SimulatorOptions {
  /** A ratings file (clean CSV or MovieLens) or the ratings themselves. */
  ratings: string | ReadonlyArray<InputRating>;
  /** Where lines go; default a Kafka sink on `brokers`/`topic`. */
  sink?: LineSink;
  brokers?: string[];
  topic?: string;
  /** Log lines (watch + rate) per second; default 100; 0 sends requests only. */
  rate?: number;
  /** Base URL of the recommendation service (e.g. NGINX); requests are sent only when set. */
  serviceUrl?: string;
  /** `/recommend` requests per second; default max(1, rate / 10). */
  requestRate?: number;
  /** Only the first N users (by id) of the data set. */
  users?: number;
  /** Stop by itself after this many seconds; otherwise runs until stop(). */
  durationS?: number;
  /** Request time limit; past it the line says status 0 with a TimeoutException (default 600). */
  timeoutMs?: number;
  /** Requests waiting for an answer at most; more are counted as skipped (default 256). */
  maxInFlight?: number;
  seed?: number;
  ratingScale?: [number, number];
  sessions?: SessionOptions;
  logger?: Logger;
  /** `replay` (default): every rating replayed as sessions; `future`: see the header. */
  audience?: 'replay' | 'future';
  /** For `future`: the share of ratings held out as the users' futures (default 0.2), and their behaviour. */
  future?: AudienceOptions & { heldOut?: number };
  /** Called about once a second with the running stats. */
  onProgress?: (stats: SimulatorStats) => void;
}

export interface SimulatorStats {
  seconds: number;
  lines: { watch: number; rate: number; recommendation: number; total: number };
  requests: {
    sent: number;
    completed: number;
    /** Not sent because maxInFlight requests were already waiting. */
    skipped: number;
    /** Kept-alive connections the server reset under a request (which was sent again and is counted once). */
    resets: number;
    /** When each of those resent requests completed (epoch ms, the first 1,000): what the reset coincided with. */
    resetAt: number[];
    /** Answers by status code ('0' = timeout or connection error). */
    byStatus: Record<string, number>;
    latencyMs: LatencySummary;
  };
  /** Latency of every completed request in ms, in completion order (first 100,000). */
  latenciesMs: number[];
  sinkErrors: number;
  /** With the `future` audience: answers seen and the watches they led to. */
  audience?: AudienceStats;
}

export interface Simulator {
  /** Stops sending, waits for answers in flight, flushes the sink; resolves with the final stats. */
  stop(): Promise<SimulatorStats>;
  /** Resolves when the simulator ends (duration elapsed or stop()). */
  done: Promise<SimulatorStats>;
  stats(): SimulatorStats;
}

const TICK_MS = 25;
const MAX_LATENCY_SAMPLES = 100_000;

export function startSimulator(opts: SimulatorOptions): Simulator {
  const logger = opts.logger ?? silentLogger;
  const rate = opts.rate ?? 100;
  const requestRate = opts.serviceUrl ? (opts.requestRate ?? Math.max(1, rate / 10)) : 0;
  const timeoutMs = opts.timeoutMs ?? 600;
  const maxInFlight = opts.maxInFlight ?? 256;
  if (!(rate >= 0) || !(requestRate >= 0)) throw new RangeError('rate and requestRate must be >= 0');
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
  const base = opts.serviceUrl ? new URL(opts.serviceUrl) : null;
  const server = base ? `${base.hostname}:${base.port || 80}` : '';

  let ratings = typeof opts.ratings === 'string' ? loadRatings(opts.ratings) : opts.ratings;
  const userIds = [...new Set(ratings.map((r) => r.user))].sort((a, b) => a - b);
  const users = opts.users ? userIds.slice(0, opts.users) : userIds;
  if (opts.users) {
    const keep = new Set(users);
    ratings = ratings.filter((r) => keep.has(r.user));
  }
  const seed = opts.seed ?? 42;
  const rnd = seededRandom(seed);
  let audience: Audience | null = null;
  let requestUsers = users;
  if (opts.audience === 'future') {
    const futures = splitFutures(ratings, opts.future?.heldOut ?? 0.2, seed);
    ratings = futures.past;
    // Only users with a future can tell a good list from a bad one: they are the ones asking.
    requestUsers = users.filter((u) => futures.future.has(u));
    if (requestUsers.length === 0) throw new MarqueeError('INPUT', 'no user has held-out ratings: use more ratings or a larger heldOut');
    // Its own stream, so the replayed sessions are the same whatever the answers.
    audience = createAudience(futures, seededRandom(seed ^ 0x5eed), { ratingScale: opts.ratingScale, ...opts.future });
  }
  const stream = createLineStream(ratings, rnd, { ratingScale: opts.ratingScale, ...opts.sessions });
  const sink = opts.sink ?? createKafkaSink({ brokers: opts.brokers ?? ['127.0.0.1:9092'], topic: opts.topic ?? 'movielog', logger });
  const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });

  const lines = { watch: 0, rate: 0, recommendation: 0, total: 0 };
  const requests = { sent: 0, completed: 0, skipped: 0, resets: 0, resetAt: [] as number[], byStatus: {} as Record<string, number> };
  const latencies: number[] = [];
  let sinkErrors = 0;
  const recLines: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const t0 = performance.now();
  let stopping = false;
  let lastProgress = 0;

  const stats = (): SimulatorStats => ({
    seconds: (performance.now() - t0) / 1000,
    lines: { ...lines },
    requests: { ...requests, resetAt: [...requests.resetAt], byStatus: { ...requests.byStatus }, latencyMs: summarize(latencies) },
    latenciesMs: [...latencies],
    sinkErrors,
    ...(audience ? { audience: audience.stats() } : {}),
  });

  function sendRequest(at: string): void {
    const user = requestUsers[Math.floor(rnd() * requestUsers.length)];
    requests.sent++;
    const p = requestRecommendations(base as URL, user, timeoutMs, agent).then((o) => {
      requests.completed++;
      if (o.resent && requests.resets++ < 1000) requests.resetAt.push(Date.now());
      requests.byStatus[o.status] = (requests.byStatus[o.status] ?? 0) + 1;
      if (latencies.length < MAX_LATENCY_SAMPLES) latencies.push(o.latencyMs);
      recLines.push(recommendationLine(at, user, server, o.status, o.result, o.latencyMs));
      if (audience && o.ids) audience.respond(user, o.ids, performance.now());
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }

  async function flush(out: string[]): Promise<void> {
    if (out.length === 0) return;
    try {
      await sink.write(out);
    } catch (err) {
      sinkErrors++;
      logger.warn('could not write simulated lines', { lines: out.length, error: err });
    }
  }

  const done = (async (): Promise<SimulatorStats> => {
    let emitted = 0;
    let requested = 0;
    try {
      while (!stopping) {
        const elapsed = (performance.now() - t0) / 1000;
        if (opts.durationS !== undefined && elapsed >= opts.durationS) break;
        const at = formatLocalTimestamp(new Date());
        const out: string[] = [];
        // At most one second of lines per tick: a stalled sink skips ahead instead of bursting.
        const dueLines = Math.floor(rate * elapsed) - emitted;
        for (let i = Math.max(0, dueLines - Math.ceil(rate)); i < dueLines; i++) {
          const { kind, line } = stream.next(at);
          lines[kind]++;
          out.push(line);
        }
        emitted += dueLines;
        const dueRequests = Math.floor(requestRate * elapsed) - requested;
        for (let i = 0; i < dueRequests; i++) {
          if (inFlight.size >= maxInFlight) requests.skipped++;
          else sendRequest(at);
        }
        requested += dueRequests;
        lines.recommendation += recLines.length;
        out.push(...recLines.splice(0));
        // After the answers' lines: a reaction is never logged before what it reacts to.
        for (const { kind, line } of audience?.due(performance.now(), at) ?? []) {
          lines[kind]++;
          out.push(line);
        }
        lines.total += out.length;
        await flush(out);
        if (opts.onProgress && elapsed - lastProgress >= 1) {
          lastProgress = elapsed;
          opts.onProgress(stats());
        }
        await sleep(TICK_MS);
      }
      await Promise.all([...inFlight]);
      lines.recommendation += recLines.length;
      lines.total += recLines.length;
      await flush(recLines.splice(0));
    } finally {
      agent.destroy();
      await sink.close().catch((err: Error) => logger.warn('closing the sink failed', { error: err }));
    }
    return stats();
  })();

  return {
    stop: async () => {
      stopping = true;
      return done;
    },
    done,
    stats,
  };
}
