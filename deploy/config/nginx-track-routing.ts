// The NGINX config parts that route each request to a track without a reload: one upstream per
// track, a 1 % slot per request (split_clients on $request_id), and per request a look at the
// weights directory (weights-dir.ts) for which track owns the slot now. A reload would close
// every idle keep-alive client connection of the old worker, and a client sending on one at that
// moment gets a reset (issue 10); a weight change here is a rename in that directory instead.
import { SLOTS, SPLIT_TRACKS, slotCounts, type SplitTrack, type SplitWeights } from './track-split.ts';
import { MarqueeError } from '../../services/core/errors.ts';

/** Upstream servers (`host:port`) of each track; baseline only during a release. */
export interface TrackUpstreams {
  stable: string[];
  baseline?: string[];
  canary: string[];
}

/** The step directory NGINX reads, relative to the weights directory (weights-dir.ts keeps it). */
export const CURRENT_STEP = 'current';

// No passive marking (max_fails=0): NGINX's default takes a server out for 10 s after one failed
// try, and a spell of slow answers (a busy host, a GC pause) then takes out every server at once:
// each request gets "no live upstreams", a 502, until the first one comes back (seen under load:
// 2,232 of 2,583 answers). A dead or hung replica costs instead each request that meets it one
// connect or read timeout (PROXY_TIMEOUTS) before NGINX retries the next server: slower answers,
// never failed ones. Backups still serve a request once its own track's servers were all tried.
const MAX_FAILS = 0;

/** Tracks that have servers, in SPLIT_TRACKS order; only these get an upstream and slots. */
export function servingTracks(upstreams: TrackUpstreams): SplitTrack[] {
  return SPLIT_TRACKS.filter((t) => (upstreams[t] ?? []).length > 0);
}

function checkAddresses(upstreams: TrackUpstreams): void {
  for (const t of SPLIT_TRACKS) {
    for (const a of upstreams[t] ?? []) {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(a)) throw new MarqueeError('INPUT', `upstream '${a}' (${t}) is not host:port`);
    }
  }
  if (servingTracks(upstreams).length === 0) throw new MarqueeError('INPUT', 'no upstream server would receive traffic (empty lists)');
}

/**
 * One upstream per serving track. The other tracks' servers are its `backup`s: when every server
 * of a track has failed (a canary that is down), its requests still get an answer from the rest.
 * Not the baseline's: it runs only during a release, and a backup that is not there costs a
 * failover its connect timeout before NGINX marks it failed.
 */
export function renderTrackUpstreams(upstreams: TrackUpstreams, serverNames: Record<string, string> = {}): string {
  checkAddresses(upstreams);
  const line = (address: string, track: SplitTrack, backup: boolean) => {
    const name = serverNames[address];
    return `        server ${address} max_fails=${MAX_FAILS}${backup ? ' backup' : ''}; # ${track}${name ? ` ${name}` : ''}`;
  };
  return servingTracks(upstreams)
    .map((track) => {
      const own = (upstreams[track] ?? []).map((a) => line(a, track, false));
      const others = SPLIT_TRACKS.filter((t) => t !== track && t !== 'baseline').flatMap((t) =>
        (upstreams[t] ?? []).filter((a) => !(upstreams[track] ?? []).includes(a)).map((a) => line(a, t, true)),
      );
      return `    upstream inference_${track} {
        # Shared memory: round-robin position and failure counts are common to all workers.
        zone inference_${track} 64k;
${[...own, ...others].join('\n')}
        keepalive 32;
    }`;
    })
    .join('\n');
}

/** `http`-level maps: the request's slot, and the track split used while no step is written. */
export function renderSlotMaps(defaultWeights: SplitWeights, upstreams: TrackUpstreams): string {
  const entries = Array.from({ length: SLOTS }, (_, i) => (i === SLOTS - 1 ? `* ${i};` : `${100 / SLOTS}% ${i};`));
  const slots = Array.from({ length: Math.ceil(SLOTS / 10) }, (_, row) => `        ${entries.slice(10 * row, 10 * row + 10).join(' ')}`);
  const counts = slotCounts(defaultWeights, servingTracks(upstreams));
  const shares = SPLIT_TRACKS.filter((t) => counts[t] > 0);
  const fallback = shares.map((t, i) => (i === shares.length - 1 ? `        * ${t};` : `        ${counts[t]}% ${t};`));
  return `    # Each request's 1 % slot, from its random $request_id: which track owns a slot is looked up
    # per request (location /recommend/), so a weight change needs no reload.
    split_clients "\${request_id}" $marquee_slot {
${slots.join('\n')}
    }
    # The split while the weights directory holds no step (${shares.map((t) => `${t} ${counts[t]} %`).join(', ')}).
    split_clients "\${request_id}" $marquee_default_track {
${fallback.join('\n')}
    }`;
}

/**
 * `location`-level lines choosing $marquee_track: a slot file `<slot>.<track>` in the current step
 * means that track, no file means stable. `if` only sets variables here (the safe use of `if`);
 * each test is one stat() of a path that is not cached, so a new step counts from the next request.
 */
export function renderTrackChoice(weightsDir: string, upstreams: TrackUpstreams): string {
  const step = `${weightsDir}/${CURRENT_STEP}`;
  const others = servingTracks(upstreams).filter((t) => t !== 'stable');
  return [
    'set $marquee_track $marquee_default_track;',
    ...(upstreams.stable.length > 0 ? [`if (-d ${step}) { set $marquee_track stable; }`] : []),
    ...others.map((t) => `if (-f ${step}/$marquee_slot.${t}) { set $marquee_track ${t}; }`),
  ]
    .map((l) => `            ${l}`)
    .join('\n');
}
