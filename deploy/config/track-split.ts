// Track weights as 100 one-percent slots. NGINX hashes each request's $request_id into a slot
// (split_clients) and a slot belongs to one track; moving slots between tracks changes the split
// without reloading NGINX (nginx-track-routing.ts renders the lookup, weights-dir.ts the slots).

/** Every track a request can be routed to, in slot order (stable takes the slots left over). */
export const SPLIT_TRACKS = ['canary', 'baseline', 'stable'] as const;
export type SplitTrack = (typeof SPLIT_TRACKS)[number];

/** Relative share per track, e.g. { stable: 90, baseline: 5, canary: 5 }; baseline absent = 0. */
export interface SplitWeights {
  stable: number;
  baseline?: number;
  canary: number;
}

/** The split is in whole percent: split_clients' slots are 1 % each. */
export const SLOTS = 100;

/**
 * Slots per track for `weights`, summing to SLOTS, restricted to the tracks in `serving` (a track
 * without servers gets nothing and the others share its weight). Rounded by largest remainder, so
 * 1:1:1 gives 34/33/33 (canary first on ties) and 4:1 gives exactly 80/20.
 */
export function slotCounts(weights: SplitWeights, serving: readonly SplitTrack[] = SPLIT_TRACKS): Record<SplitTrack, number> {
  const raw = Object.fromEntries(SPLIT_TRACKS.map((t) => [t, weights[t] ?? 0])) as Record<SplitTrack, number>;
  for (const t of SPLIT_TRACKS) {
    if (!Number.isFinite(raw[t]) || raw[t] < 0) throw new RangeError(`weight of ${t} must be a non-negative number, got ${raw[t]}`);
    if (!serving.includes(t)) raw[t] = 0;
  }
  const total = SPLIT_TRACKS.reduce((n, t) => n + raw[t], 0);
  if (!(total > 0)) throw new RangeError(`no track with servers has a weight (weights ${JSON.stringify(weights)}, serving ${serving.join(', ') || 'none'})`);
  const exact = SPLIT_TRACKS.map((t) => ({ t, q: (SLOTS * raw[t]) / total }));
  const counts = Object.fromEntries(exact.map(({ t, q }) => [t, Math.floor(q)])) as Record<SplitTrack, number>;
  let left = SLOTS - SPLIT_TRACKS.reduce((n, t) => n + counts[t], 0);
  for (const { t } of [...exact].sort((a, b) => (b.q % 1) - (a.q % 1))) {
    if (left-- <= 0) break;
    counts[t]++;
  }
  return counts;
}

/** Refuses weights that give a share to a track without servers (a release step asked for too much). */
export function assertServed(weights: SplitWeights, serving: readonly SplitTrack[]): void {
  for (const t of SPLIT_TRACKS) {
    const w = weights[t] ?? 0;
    if (w > 0 && !serving.includes(t)) throw new RangeError(`track ${t} has weight ${w} but no servers`);
  }
}

/** The track of each slot 0..SLOTS-1: canary's slots first, then baseline's, then stable's. */
export function slotTracks(counts: Record<SplitTrack, number>): SplitTrack[] {
  return SPLIT_TRACKS.flatMap((t) => Array<SplitTrack>(counts[t]).fill(t));
}
