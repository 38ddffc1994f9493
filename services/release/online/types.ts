// What online quality is computed from: the lists served (from `reccom` rows or the stream's
// `recommendation request` lines) and the watch events of the stream. Times are epoch ms.

/** One successful /recommend answer: which user got which ids, when, from which arm. */
export interface ServedList {
  userId: number;
  servedAt: number;
  /** What is compared: a track (`canary`, `baseline`, …) or a model version. */
  group: string;
  ids: readonly string[];
  /** The model version that served it, when the source knows (reccom does). */
  version?: string;
}

/** One watched minute (`GET /data/m/<movie>/<minute>.mpg`). */
export interface Watch {
  userId: number;
  movieId: string;
  at: number;
}

export const MINUTE_MS = 60_000;

/** How long after an answer a watch still counts as following it (issue 10: T = 30 minutes). */
export const DEFAULT_WINDOW_MS = 30 * MINUTE_MS;
