// Environment config, validated once at start-up. A bad value stops the process with a
// message that names the variable, never a stack trace; secrets are never echoed.
// Every variable X may instead be given as X_FILE, the path of a file holding its value (Compose
// and Kubernetes mount secrets as files, e.g. /run/secrets/<name>), so secrets stay out of `env`.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MarqueeError } from './errors.ts';

export class ConfigError extends MarqueeError {
  readonly issues: string[];

  constructor(issues: string[]) {
    super('CONFIG', `invalid configuration:\n  ${issues.join('\n  ')}`);
    this.issues = issues;
  }
}

/** Parse `env` (default process.env) with a zod object whose keys are variable names. */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<z.ZodObject<S>> {
  const schema = z.object(shape);
  const picked: Record<string, string | undefined> = {};
  const fileIssues: string[] = [];
  const fromFile = new Set<string>();
  /** Keys whose file problem is already reported; zod's "required" for them would only add noise. */
  const reported = new Set<string>();
  for (const key of Object.keys(shape)) {
    // Empty strings count as unset, so `FOO= npm start` falls back to the default.
    const direct = env[key] === '' ? undefined : env[key];
    const fileKey = `${key}_FILE`;
    // A shape that itself has a key `X_FILE` means a path-valued setting, not a secret file for X.
    const file = fileKey in shape || env[fileKey] === '' ? undefined : env[fileKey];
    if (file === undefined) {
      picked[key] = direct;
      continue;
    }
    if (direct !== undefined) {
      fileIssues.push(`${key} and ${fileKey} are both set; set only one`);
      reported.add(key);
      continue;
    }
    const read = readSecretFile(file);
    if ('error' in read) {
      fileIssues.push(`${fileKey}: cannot read ${file} (${read.error})`);
      reported.add(key);
    } else {
      picked[key] = read.value === '' ? undefined : read.value;
      fromFile.add(key);
    }
  }
  const result = schema.safeParse(picked);
  if (result.success && !fileIssues.length) return result.data;
  const issues = result.success
    ? []
    : result.error.issues
        .filter((issue) => !reported.has(String(issue.path[0])))
        .map((issue) => {
          const name = issue.path.join('.') || '(root)';
          if (!fromFile.has(name)) return `${name}: ${issue.message}`;
          // zod's own messages do not quote the value, but a custom refinement might: a value read
          // from a file is a secret, so it is never shown.
          const secret = picked[name] as string;
          return `${name} (from ${name}_FILE): ${issue.message.split(secret).join('***')}`;
        });
  throw new ConfigError([...fileIssues, ...issues]);
}

/** A secret file's value without its trailing newline(s); the error is the errno code, never content. */
export function readSecretFile(path: string): { value: string } | { error: string } {
  try {
    return { value: readFileSync(path, 'utf8').replace(/(\r?\n)+$/, '') };
  } catch (err) {
    return { error: (err as NodeJS.ErrnoException).code ?? 'unreadable' };
  }
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
