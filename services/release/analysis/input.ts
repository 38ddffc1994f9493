// Validation at the judge's boundary: what the controller passes comes from Prometheus, Kafka
// and configuration, so it is parsed with zod and a bad value is a RangeError naming the field.
import type { z } from 'zod';

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, name: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const details = result.error.issues
    .map((issue) => `${[name, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
  throw new RangeError(details);
}
