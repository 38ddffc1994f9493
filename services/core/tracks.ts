// The two tracks the inference replicas serve on, and how NGINX splits the traffic between them.
// Declared once here: the NGINX config (deploy/config/nginx-conf.ts renders nginx/nginx.conf and the
// local NGINX from it), the release judge (the share a healthy canary should get) and the tests
// all derive from TRACK_WEIGHTS.

export const TRACKS = ['stable', 'canary'] as const;
export type Track = (typeof TRACKS)[number];

/** Relative share of traffic per track (NGINX upstream weights per track, not per server). */
export type TrackWeights = Readonly<Record<Track, number>>;

/** Stable 4 : canary 1, so a canary sees a fifth of the traffic: enough to judge, little at risk. */
export const TRACK_WEIGHTS: TrackWeights = { stable: 4, canary: 1 };

/** The share of all traffic the canary gets under `weights` (0.2 under TRACK_WEIGHTS). */
export function canaryShare(weights: TrackWeights = TRACK_WEIGHTS): number {
  const total = weights.stable + weights.canary;
  if (!(total > 0)) throw new RangeError(`track weights ${weights.stable}:${weights.canary} give no traffic to anyone`);
  return weights.canary / total;
}
