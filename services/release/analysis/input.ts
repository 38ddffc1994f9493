// Validation at the judge's boundary: what the controller passes comes from Prometheus, Kafka
// and configuration, so it is parsed with zod and a bad value is the stack's INPUT error naming the field.
import type { z } from 'zod';
import { MarqueeError } from '../../core/errors.ts';

/** Invalid input to the judge (code INPUT): the caller must fix what it passes. */
export function invalidInput(message: string): MarqueeError {
  return new MarqueeError('INPUT', message);
}

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${[name, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
  throw invalidInput(details);
}
