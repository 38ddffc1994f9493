// Environment config, validated once at start-up. A bad value stops the process with a
// message that names the variable, never a stack trace; secrets are never echoed.
import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Parse `env` (default process.env) with a zod object whose keys are variable names. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const schema = z.object(shape);
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(shape)) {
    // Empty strings count as unset, so `FOO= npm start` falls back to the default.
    picked[key] = env[key] === '' ? undefined : env[key];
  }
  const result = schema.safeParse(picked);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
  );
}

/** Helpers for the common variable shapes. */
export const env = {
  port: (dflt: number) => z.coerce.number().int().min(1).max(65535).default(dflt),
  int: (dflt: number, min = 0) => z.coerce.number().int().min(min).default(dflt),
  number: (dflt: number) => z.coerce.number().finite().default(dflt),
  string: (dflt: string) => z.string().min(1).default(dflt),
  bool: (dflt: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(dflt ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1' || v === 'yes'),
  optionalString: () => z.string().min(1).optional(),
};

/** For CLIs and mains: print a ConfigError readably and exit 2; rethrow anything else. */
export function exitOnConfigError(err: unknown, program: string): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${program}: ${err.message}\n`);
    process.exit(2);
  }
  throw err;
}
