// Renders nginx.conf for the inference load balancer. One renderer for both places NGINX runs:
// production (nginx/nginx.conf, generated from PRODUCTION_NGINX in topology.ts) and the local
// processes the tests start, so both share the same proxy, failover and logging settings.
import { PROVENANCE_HEADER, PROXY_TIMEOUTS, REQUEST_ID_SOURCE, SIMULATOR_BUDGET_MS, worstCaseAnswerMs } from '../../services/core/nginx-contract.ts';
import { TRACK_WEIGHTS } from '../../services/core/tracks.ts';
import { renderSlotMaps, renderTrackChoice, renderTrackUpstreams, servingTracks, type TrackUpstreams } from './nginx-track-routing.ts';
import { slotCounts, type SplitWeights } from './track-split.ts';

/** Upstream servers (`host:port`) of each track. */
export type Upstreams = TrackUpstreams;

export type { TrackWeights } from '../../services/core/tracks.ts';

export interface NginxConfOptions {
  listen: number | string; // port, or `host:port`
  upstreams: Upstreams;
  /** The split while `weightsDir` holds no step (default TRACK_WEIGHTS); steps change it without a reload. */
  weights?: SplitWeights;
  /** Where the weight steps are (weights-dir.ts), read by NGINX per request. */
  weightsDir: string;
  workerProcesses?: number | 'auto';
  /** `user` directive; omitted when undefined (the master's build-time default applies). */
  user?: string;
  pidFile: string;
  errorLog: string;
  accessLog: string;
  /**
   * Where NGINX writes provenance (replicas with PROVENANCE=nginx): one line per answer that
   * carried X-Provenance, read by the provenance shipper. Omitted: no such log.
   */
  provenanceLog?: string;
  /** Directory for client-body/proxy temp files; omitted when undefined (build-time defaults). */
  tempDir?: string;
  /** A name per server address for the config's comments, e.g. the container behind a static IP. */
  serverNames?: Record<string, string>;
  /** Echoed by /nginx-health, so a caller can tell when a reload has taken effect. */
  generation?: number;
  header?: string;
}


export function renderNginxConf(o: NginxConfOptions): string {
  const upstreams = renderTrackUpstreams(o.upstreams, o.serverNames);
  const weights = o.weights ?? TRACK_WEIGHTS;
  const percent = slotCounts(weights, servingTracks(o.upstreams));
  const temp = o.tempDir
    ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
        .map((k) => `    ${k}_temp_path ${o.tempDir}/${k};`)
        .join('\n') + '\n'
    : '';
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
        "~${REQUEST_ID_SOURCE}" $http_x_request_id;
        default "$msec-$marquee_random_id";
    }

    # Which replica answered, how long the connect and the response took, the track it reported
    # (X-Serving-Track) and the track the weights chose (route): enough to audit the split, and
    # failovers (route and track differ when a track's servers were down).
    log_format marquee '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                       'rid=$marquee_request_id upstream=$upstream_addr ustatus=$upstream_status '
                       'track=$upstream_http_x_serving_track replica=$upstream_http_x_replica rt=$request_time '
                       'uct=$upstream_connect_time urt=$upstream_response_time route=$marquee_track';
    access_log ${o.accessLog} marquee;
${o.provenanceLog ? renderProvenanceLog(o.provenanceLog) : ''}
    # Traffic share without a written step: ${[...servingTracks(o.upstreams)].reverse().map((t) => `${t} ${percent[t]} %`).join(', ')}.
    # Steps (${o.weightsDir}/current) change it per request; see nginx-track-routing.ts.
${renderSlotMaps(weights, o.upstreams)}
${upstreams}

    server {
        listen ${o.listen};
        # The access log's route= for requests that are not proxied (location /recommend/ sets it).
        set $marquee_track -;

        location = /nginx-health {
            access_log off;
            default_type text/plain;
            return 200 "${health}";
        }

        # Only the recommendation API is public. /metrics, /readyz and /healthz stay on the
        # replicas' own port, inside the Compose network, where Prometheus scrapes them.
        location /recommend/ {
            # The track owning this request's slot in the current weight step.
${renderTrackChoice(o.weightsDir, o.upstreams)}
            # A variable in proxy_pass would send the URI as the caller wrote it; after this rewrite
            # NGINX sends the normalised one (dot segments applied, re-escaped), so a
            # /recommend/../metrics trick cannot reach another route of the replica.
            rewrite ^ $uri break;
            proxy_pass http://inference_$marquee_track;
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
            proxy_hide_header ${PROVENANCE_HEADER};
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

/**
 * The provenance log: a line per answer that carried X-Provenance, in the shipper's field order
 * (services/provenance/shipper/nginx-line.ts). Written at the end of the request, so $status and
 * $request_completion say whether the caller got the whole answer; after a retry the
 * $upstream_http_* values are those of the try NGINX passed on. Buffered: one write(2) per 64 KB
 * or per second, whichever comes first; `kill -9` of NGINX loses at most that (a reload or
 * `nginx -s reopen` writes the buffer out first). Only answers with the header are logged.
 */
export function renderProvenanceLog(path: string): string {
  const header = `$upstream_http_${PROVENANCE_HEADER.toLowerCase().replace(/-/g, '_')}`;
  const fields = [
    '$marquee_request_id',
    '$upstream_http_x_replica',
    '$upstream_http_x_model_version',
    '$upstream_http_x_serving_track',
    '$msec',
    '$status',
    '$request_completion',
    header,
  ];
  return `    log_format marquee_provenance '${fields.join('\\t')}';
    access_log ${path} marquee_provenance buffer=64k flush=1s if=${header};
`;
}
