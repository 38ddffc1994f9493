// The feedback-loop monitor's settings (FEEDBACK_*), part of the worker's zod config.
import { env } from '../../core/config.ts';
import { DEFAULT_WINDOW_MS } from '../../release/online/types.ts';

export const feedbackEnvShape = {
  /** T: a watch follows a recommendation listed to the user at most this long before it. */
  FEEDBACK_WINDOW_MS: env.int(DEFAULT_WINDOW_MS, 1),
  /** Width of the windows the share and Gini are given for (the gauges show each version's latest). */
  FEEDBACK_BUCKET_MS: env.int(60 * 60_000, 1_000),
  /** How often the figures are recomputed (and reccom read) between runs. */
  FEEDBACK_INTERVAL_MS: env.int(60_000, 1_000),
  /** At most this many watched minutes are kept (bounded memory; watch-window.ts). */
  FEEDBACK_MAX_WATCHES: env.int(500_000, 1),
};
