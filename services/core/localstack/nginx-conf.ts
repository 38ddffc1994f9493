// Renders nginx.conf for the inference load balancer. One renderer for both places NGINX runs:
// production (nginx/nginx.conf, generated from PRODUCTION_NGINX in topology.ts) and the local
// processes the tests start, so both share the same proxy, failover and logging settings.
import { TRACK_WEIGHTS, type TrackWeights } from '../tracks.ts';

/** Upstream servers (`host:port`) of each track. */
export interface Upstreams {
  stable: string[];
  canary: string[];
}

export type { TrackWeights } from '../tracks.ts';

export interface NginxConfOptions {
  listen: number | string; // port, or `host:port`
  upstreams: Upstreams;
  weights?: TrackWeights;
  workerProcesses?: number | 'auto';
  /** `user` directive; omitted when undefined (the master's build-time default applies). */
  user?: string;
  pidFile: string;
  errorLog: string;
  accessLog: string;
  /** Directory for client-body/proxy temp files; omitted when undefined (build-time defaults). */
  tempDir?: string;
  /** A name per server address for the config's comments, e.g. the container behind a static IP. */
  serverNames?: Record<string, string>;
  /** Echoed by /nginx-health, so a caller can tell when a reload has taken effect. */
  generation?: number;
  header?: string;
}

export interface WeightedServer {
  address: string;
  track: 'stable' | 'canary';
  weight: number;
}

// Passive failover: a server that fails 3 times within 10 s is skipped for 10 s.
const MAX_FAILS = 3;
const FAIL_TIMEOUT = '10s';

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
 * Caller request ids NGINX keeps (the replica's own rule, services/inference/app.ts
 * SANE_REQUEST_ID); anything else is replaced, so no caller text reaches the log or a header.
 */
export const SAFE_REQUEST_ID = '^[A-Za-z0-9._:-]{1,64}$';

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Per-server integer weights whose per-track sums are in exactly the `weights` ratio.
 * A track with weight 0 (or no servers) gets no servers at all: NGINX has no weight=0.
 */
export function weightedServers(upstreams: Upstreams, weights: TrackWeights = TRACK_WEIGHTS): WeightedServer[] {
  for (const track of ['stable', 'canary'] as const) {
    const w = weights[track];
    if (!Number.isInteger(w) || w < 0) throw new Error(`weight of ${track} must be a non-negative integer, got ${w}`);
    for (const a of upstreams[track]) {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(a)) throw new Error(`upstream '${a}' (${track}) is not host:port`);
    }
  }
  const stable = weights.stable > 0 ? upstreams.stable : [];
  const canary = weights.canary > 0 ? upstreams.canary : [];
  if (stable.length === 0 && canary.length === 0) {
    throw new Error('no upstream server would receive traffic (empty lists or zero weights)');
  }
  // Track total = per-server weight × server count; cross-multiplying by the other track's
  // count makes both totals proportional to the track weights, then reduce by the common divisor.
  let ws = stable.length && canary.length ? weights.stable * canary.length : 1;
  let wc = stable.length && canary.length ? weights.canary * stable.length : 1;
  const g = gcd(ws, wc);
  ws /= g;
  wc /= g;
  return [
    ...stable.map((address) => ({ address, track: 'stable' as const, weight: ws })),
    ...canary.map((address) => ({ address, track: 'canary' as const, weight: wc })),
  ];
}

export function renderNginxConf(o: NginxConfOptions): string {
  const weights = o.weights ?? TRACK_WEIGHTS;
  const servers = weightedServers(o.upstreams, weights);
  const share = (track: 'stable' | 'canary') => servers.filter((s) => s.track === track).reduce((n, s) => n + s.weight, 0);
  const total = share('stable') + share('canary');
  const pct = (track: 'stable' | 'canary') => `${((100 * share(track)) / total).toFixed(1)} %`;
  const temp = o.tempDir
    ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((k) => `    ${k}_temp_path ${o.tempDir}/${k};`)
        .join('\n') + '\n'
    : '';
  const serverLines = servers
    .map((s) => {
      const name = o.serverNames?.[s.address];
      return `        server ${s.address} weight=${s.weight} max_fails=${MAX_FAILS} fail_timeout=${FAIL_TIMEOUT}; # ${s.track}${name ? ` ${name}` : ''}`;
    })
    .join('\n');
  const t = PROXY_TIMEOUTS;
  const health = `ok${o.generation === undefined ? '' : ` generation=${o.generation}`}\\n`;
  return `${o.header ? o.header.replace(/^/gm, '# ') + '\n' : ''}${o.user ? `user ${o.user};\n` : ''}worker_processes ${o.workerProcesses ?? 'auto'};
error_log ${o.errorLog} warn;
pid ${o.pidFile};

events {
    worker_connections 1024;
}

http {
    server_tokens off;
    default_type application/octet-stream;
${temp}
    # Keep the caller's X-Request-Id (the simulator's, or a client's) when it is a plain token;
    # any other (absent, too long, spaces, quotes: could forge log fields) is replaced by one that
    # sorts by time, <epoch s>.<ms>-<16 random hex>: reccom's request-id index then grows at its
    # end, whose pages stay in memory, not at random places in an index larger than MySQL's buffer pool.
    map $request_id $marquee_random_id {
        "~^(?<head>[0-9a-f]{16})" $head;
    }
    map $http_x_request_id $marquee_request_id {
        "~${SAFE_REQUEST_ID}" $http_x_request_id;
        default "$msec-$marquee_random_id";
    }

    # Which replica answered, how long the connect and the response took, and the track it
    # reported (X-Serving-Track): enough to audit the canary split and failovers from the log.
    log_format marquee '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                       'rid=$marquee_request_id upstream=$upstream_addr ustatus=$upstream_status '
                       'track=$upstream_http_x_serving_track replica=$upstream_http_x_replica rt=$request_time '
                       'uct=$upstream_connect_time urt=$upstream_response_time';
    access_log ${o.accessLog} marquee;

    # Traffic share: stable ${pct('stable')}, canary ${pct('canary')} (track weights ${weights.stable}:${weights.canary}).
    upstream inference {
        # Shared memory: the round-robin position and failure counts are common to all workers,
        # so the split is exact across workers, not per worker.
        zone inference 64k;
${serverLines}
        keepalive 32;
    }

    server {
        listen ${o.listen};

        location = /nginx-health {
            access_log off;
            default_type text/plain;
            return 200 "${health}";
        }

        # Only the recommendation API is public. /metrics, /readyz and /healthz stay on the
        # replicas' own port, inside the Compose network, where Prometheus scrapes them.
        location /recommend/ {
            # With a URI part NGINX passes the normalised path (dot segments applied), so a
            # /metrics/../recommend/1 trick cannot reach another route of the replica.
            proxy_pass http://inference/recommend/;
            # Upstream keepalive needs HTTP/1.1 and no "Connection: close" from the client.
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Request-Id $marquee_request_id;
            # When NGINX took the request ($msec, fixed for all tries): a replica that answers after
            # the read timeout below knows its answer may have been abandoned for a retry.
            proxy_set_header X-Request-Start $msec;
            # Exactly one X-Request-Id in every answer, also on NGINX's own 502/504.
            proxy_hide_header X-Request-Id;
            add_header X-Request-Id $marquee_request_id always;

            # Fail fast and try the next replica inside the simulator's ${SIMULATOR_BUDGET_MS} ms: a retry starts
            # only within the window but then runs its full connect + read timeouts, so the
            # latest answer comes after ${t.retryWindowMs} + ${t.connectMs} + ${t.readMs} = ${worstCaseAnswerMs()} ms.
            proxy_connect_timeout ${t.connectMs}ms;
            proxy_send_timeout ${t.readMs}ms;
            proxy_read_timeout ${t.readMs}ms;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_next_upstream_tries ${t.tries};
            proxy_next_upstream_timeout ${t.retryWindowMs}ms;
        }

        # Everything else is answered here, never proxied; /recommend itself too (NGINX would
        # otherwise redirect it to /recommend/).
        location = /recommend {
            default_type text/plain;
            return 404 "not found\\n";
        }
        location / {
            default_type text/plain;
            return 404 "not found\\n";
        }
    }
}
`;
}
