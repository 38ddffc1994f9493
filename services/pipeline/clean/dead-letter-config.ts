// The dead-letter file's bounds from the environment (zod, checked at start-up; a bad value names
// its variable). Shared by the pipeline run and `npm run ingest`.
import { env, loadConfig } from '../../core/config.ts';
import { DEFAULT_DEAD_LETTER_LIMITS, type DeadLetterLimits } from './dead-letter.ts';

export const deadLetterEnvShape = {
  /** Bytes of a rejected line kept in its entry (the rest is summed up by its length and sha256). */
  PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: env.int(DEFAULT_DEAD_LETTER_LIMITS.maxLineBytes, 64),
  /** The file rotates before it would grow past this many bytes. */
  PIPELINE_DEAD_LETTER_MAX_FILE_BYTES: env.int(DEFAULT_DEAD_LETTER_LIMITS.maxFileBytes, 4096),
  /** Rotated files kept (dead-letter.log.1 ... .N); older ones are deleted. */
  PIPELINE_DEAD_LETTER_FILES: env.int(DEFAULT_DEAD_LETTER_LIMITS.keepFiles, 1),
};

type DeadLetterEnv = { PIPELINE_DEAD_LETTER_MAX_LINE_BYTES: number; PIPELINE_DEAD_LETTER_MAX_FILE_BYTES: number; PIPELINE_DEAD_LETTER_FILES: number };

export function deadLetterLimitsFrom(c: DeadLetterEnv): DeadLetterLimits {
  return { maxLineBytes: c.PIPELINE_DEAD_LETTER_MAX_LINE_BYTES, maxFileBytes: c.PIPELINE_DEAD_LETTER_MAX_FILE_BYTES, keepFiles: c.PIPELINE_DEAD_LETTER_FILES };
}

export function deadLetterLimitsFromEnv(source: Record<string, string | undefined> = process.env): DeadLetterLimits {
  return deadLetterLimitsFrom(loadConfig(deadLetterEnvShape, source));
}
