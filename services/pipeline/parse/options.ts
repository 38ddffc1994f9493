// Parser settings from the environment: RATING_MIN / RATING_MAX (the course's scale is 1-5; newer
// terms use 1-10) and MAX_USER_ID (1,000,000 per the course). One declaration for every reader of
// the stream: ingest, check-data, the simulator and the pipeline run (run/config.ts).
import { env, loadConfig } from '../../core/config.ts';
import type { ParseOptions } from './types.ts';

export const parseEnvShape = {
  RATING_MIN: env.int(1, 0),
  RATING_MAX: env.int(5, 1),
  MAX_USER_ID: env.int(1_000_000, 1),
};

/** ParseOptions from variables parsed with parseEnvShape (alone or within a larger shape). */
export function parseOptionsFrom(c: { RATING_MIN: number; RATING_MAX: number; MAX_USER_ID: number }): ParseOptions {
  return makeParseOptions({ ratingScale: [c.RATING_MIN, c.RATING_MAX], maxUserId: c.MAX_USER_ID });
}

export function parseOptionsFromEnv(source: Record<string, string | undefined> = process.env): ParseOptions {
  return parseOptionsFrom(loadConfig(parseEnvShape, source));
}

/** Checked ParseOptions from the `ingest()` style options. */
export function makeParseOptions(o: { ratingScale?: [number, number]; maxUserId?: number }): ParseOptions {
  const [ratingMin, ratingMax] = o.ratingScale ?? [1, 5];
  const maxUserId = o.maxUserId ?? 1_000_000;
  if (!Number.isInteger(ratingMin) || !Number.isInteger(ratingMax) || ratingMin < 0 || ratingMin > ratingMax) {
    throw new RangeError(`invalid rating scale [${ratingMin}, ${ratingMax}]: need integers with 0 <= min <= max`);
  }
  if (!Number.isInteger(maxUserId) || maxUserId < 1) throw new RangeError(`invalid maxUserId ${maxUserId}: need a positive integer`);
  return { ratingMin, ratingMax, maxUserId };
}
