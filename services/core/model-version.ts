// A model version is a name: the pipeline names its versions 1, 2, 3…, the bootstrap model is
// `sample`, tests serve `base`, `slow`, …. One rule for every place a version enters (a manifest, a
// tracking row), matching the column both tables store it in (migration 003: VARCHAR(64) ascii,
// binary collation), so a name that passes is stored and compared exactly as given.
import { z } from 'zod';
import { MarqueeError } from './errors.ts';

/** Letters, digits, `.`, `_`, `-`: safe in a folder name, a header, a log line and an ascii column. */
export const MODEL_VERSION_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
export const MODEL_VERSION_RULE = '1-64 letters, digits, . _ -';

export const modelVersionSchema = z.string().regex(MODEL_VERSION_PATTERN, MODEL_VERSION_RULE);

/** `value` as a version name, or an error naming `what` (e.g. the manifest field) and the rule. */
export function parseModelVersion(value: string, what: string): string {
  if (!MODEL_VERSION_PATTERN.test(value)) throw new MarqueeError('INPUT', `${what} ${JSON.stringify(value)} is not a model version name (${MODEL_VERSION_RULE})`);
  return value;
}

/**
 * The pipeline's versions among the names: a positive integer without leading zeros, so one number
 * has one name and, among these, a longer name is a larger number (what `latestTrackedVersion`
 * orders by). POSIX ERE, as both MySQL 8 and MariaDB read REGEXP.
 */
export const PIPELINE_VERSION_REGEXP = '^[1-9][0-9]*$';
