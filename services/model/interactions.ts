// Every signal a user leaves about a movie, merged per (user, movie) into one implicit-feedback
// entry: a preference (1 = positive, 0 = known but not a positive) and a confidence weight
// w = c - 1 = alpha * signal (Hu, Koren, Volinsky 2008), held as a sparse matrix in CSR form both
// ways (by user for the user half of an ALS sweep, by item for the item half).
//
// Signals: a rating at or above `likeRating` is a strong positive (signal 1 at likeRating, rising
// by `ratingStep` per star above it); a rating below it is not a positive (preference 0, weight
// `lowRatingSignal * alpha`, default 0: it only marks the movie as seen). A watch is a positive
// whose signal is the watched fraction min(minutes, fullMinutes) / fullMinutes. A pair with both
// keeps the larger positive signal; a low rating overrides a watch (the user told us).
import { LENIENT_LIMITS, MAX_USER_ID, parseWatchRow, WATCH_HEADER } from './clean-csv.ts';
import { indexIds } from './dataset.ts';
import { forEachLine } from './lines.ts';

/** A watched (user, movie): minutes watched and the time of the last watched minute (epoch ms). */
export interface Watch {
  user: number;
  movie: string;
  minutes: number;
  at?: number;
}

/** One (user, movie) with whatever is known of it; training and evaluation both use this shape. */
export interface Interaction {
  user: number;
  movie: string;
  rating?: number;
  minutes?: number;
  /** Epoch milliseconds of the latest event for the pair, when known. */
  at?: number;
}

export interface SignalOptions {
  /** Ratings at or above this are positives (default 4, the evaluation's relevance threshold). */
  likeRating: number;
  /** Extra signal per star above likeRating (default 0.5: a 5 counts 1.5, a 4 counts 1). */
  ratingStep: number;
  /** Signal of a low rating as a known non-positive (default 0: like an unobserved cell, but seen). */
  lowRatingSignal: number;
  /** Minutes that count as a whole watch (default 90). */
  fullMinutes: number;
}

export const defaultSignalOptions: SignalOptions = Object.freeze({ likeRating: 4, ratingStep: 0.5, lowRatingSignal: 0, fullMinutes: 90 });

/** Preference and signal of one interaction; signal 0 with preference 0 means "seen, no evidence". */
export function signalOf(x: Interaction, o: SignalOptions = defaultSignalOptions): { pref: 0 | 1; signal: number } {
  if (x.rating !== undefined && x.rating < o.likeRating) return { pref: 0, signal: o.lowRatingSignal };
  let signal = 0;
  let pref: 0 | 1 = 0;
  if (x.rating !== undefined) {
    signal = 1 + (x.rating - o.likeRating) * o.ratingStep;
    pref = 1;
  }
  if (x.minutes !== undefined && x.minutes > 0) {
    signal = Math.max(signal, Math.min(x.minutes, o.fullMinutes) / o.fullMinutes);
    pref = 1;
  }
  return { pref, signal };
}

/** Merge ratings and watches per (user, movie): the latest rating and the most minutes, the latest time. */
export function mergeInteractions(
  ratings: ReadonlyArray<{ user: number; movie: string; rating: number; at?: number }>,
  watches: readonly Watch[] = [],
): Interaction[] {
  // Per-user maps keyed by movie id: no per-pair key strings (10M interactions at course scale).
  const byUser = new Map<number, Map<string, Interaction>>();
  const out: Interaction[] = [];
  const find = (user: number, movie: string): Interaction | undefined => byUser.get(user)?.get(movie);
  const add = (x: Interaction) => {
    let items = byUser.get(x.user);
    if (!items) byUser.set(x.user, (items = new Map()));
    items.set(x.movie, x);
    out.push(x);
  };
  for (const r of ratings) {
    const seen = find(r.user, r.movie);
    if (!seen) add({ user: r.user, movie: r.movie, rating: r.rating, at: r.at });
    else if (seen.at === undefined || (r.at ?? -Infinity) >= seen.at) {
      seen.rating = r.rating;
      if (r.at !== undefined) seen.at = r.at;
    }
  }
  for (const w of watches) {
    const seen = find(w.user, w.movie);
    if (!seen) add({ user: w.user, movie: w.movie, minutes: w.minutes, at: w.at });
    else {
      seen.minutes = Math.max(seen.minutes ?? 0, w.minutes);
      if (w.at !== undefined && (seen.at === undefined || w.at > seen.at)) seen.at = w.at;
    }
  }
  return out;
}

/** Sparse user × item matrix, CSR by user and by item (same entries). Ids sorted as in dataset.ts. */
export interface InteractionMatrix {
  userIds: Int32Array;
  itemIds: string[];
  byUser: Csr;
  byItem: Csr;
}

export interface Csr {
  /** Row r's entries are [offsets[r], offsets[r + 1]). */
  offsets: Float64Array;
  /** Column index (item for byUser, user for byItem). */
  index: Uint32Array;
  /** Confidence weight c - 1 = alpha * signal. */
  weight: Float32Array;
  /** Preference: 1 positive, 0 not. */
  pref: Uint8Array;
  /** Event time (epoch ms) or NaN when unknown. */
  at: Float64Array;
}

/**
 * Build the confidence matrix from interactions. `alpha` scales the signal into the weight;
 * the id maps are sorted (users ascending, items in code-unit order) so the same interactions
 * always give the same layout, whatever their order.
 */
export function buildInteractionMatrix(rows: readonly Interaction[], alpha: number, signals: SignalOptions = defaultSignalOptions): InteractionMatrix {
  const { userIds, itemIds, userIndex, itemIndex } = indexIds(rows);
  const n = rows.length;
  const us = new Uint32Array(n);
  const is = new Uint32Array(n);
  const ws = new Float32Array(n);
  const ps = new Uint8Array(n);
  const ts = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const r = rows[j];
    const s = signalOf(r, signals);
    us[j] = userIndex.get(r.user)!;
    is[j] = itemIndex.get(r.movie)!;
    ws[j] = alpha * s.signal;
    ps[j] = s.pref;
    ts[j] = r.at ?? NaN;
  }
  return { userIds, itemIds, byUser: toCsr(userIds.length, us, is, ws, ps, ts), byItem: toCsr(itemIds.length, is, us, ws, ps, ts) };
}

/** Counting sort of the entries by row; within a row, by column (so the layout is canonical). */
function toCsr(nRows: number, rows: Uint32Array, cols: Uint32Array, weight: Float32Array, pref: Uint8Array, at: Float64Array): Csr {
  const n = rows.length;
  // Entries in column order first, so a stable pass by row leaves each row sorted by column.
  let maxCol = 0;
  for (let j = 0; j < n; j++) if (cols[j] > maxCol) maxCol = cols[j];
  const colFill = new Float64Array(maxCol + 2);
  for (let j = 0; j < n; j++) colFill[cols[j] + 1]++;
  for (let c = 0; c <= maxCol; c++) colFill[c + 1] += colFill[c];
  const byCol = new Uint32Array(n);
  for (let j = 0; j < n; j++) byCol[colFill[cols[j]]++] = j;
  const offsets = new Float64Array(nRows + 1);
  for (let j = 0; j < n; j++) offsets[rows[j] + 1]++;
  for (let r = 0; r < nRows; r++) offsets[r + 1] += offsets[r];
  const fill = offsets.slice(0, nRows);
  const out: Csr = { offsets, index: new Uint32Array(n), weight: new Float32Array(n), pref: new Uint8Array(n), at: new Float64Array(n) };
  for (let t = 0; t < n; t++) {
    const j = byCol[t];
    const slot = fill[rows[j]]++;
    out.index[slot] = cols[j];
    out.weight[slot] = weight[j];
    out.pref[slot] = pref[j];
    out.at[slot] = at[j];
  }
  return out;
}

/**
 * The clean watches file (clean-csv.ts) as training input. The file keeps the highest minute index
 * requested, from 0, so minutes watched = index + 1; bad rows are counted and skipped.
 */
export async function readWatchesFile(path: string): Promise<{ rows: Watch[]; bad: number }> {
  const rows: Watch[] = [];
  let bad = 0;
  let first = true;
  await forEachLine(path, (raw) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (first) {
      first = false;
      if (line.replace(/^\uFEFF/, '') === WATCH_HEADER) return;
    }
    if (line === '') return;
    const row = parseWatchRow(line, { ...LENIENT_LIMITS, maxUserId: MAX_USER_ID });
    if (typeof row === 'string') bad++;
    else rows.push({ user: row.user, movie: row.movie, minutes: row.minutes + 1, at: parseTime(row.lastSeen) });
  });
  return { rows, bad };
}

/** Epoch ms of a timestamp field: unix seconds (MovieLens) or ISO-8601 local time read as UTC (the clean CSV). */
export function parseTime(text: string): number {
  if (/^[0-9]{1,12}$/.test(text)) return Number(text) * 1000;
  return Date.parse(/[zZ]|[+-][0-9]{2}:?[0-9]{2}$/.test(text) ? text : `${text}Z`);
}
